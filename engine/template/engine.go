// Package template renders Ansible-style Jinja2 templates on top of gonja,
// with Ansible's undefined-variable rules, filters, tests and native
// (non-string) results for single-expression templates.
package template

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// Omit is the value of the magic variable `omit`; the engine drops module
// args equal to it.
const Omit = "__omit_place_holder__play__"

// Engine renders templates. It is safe for concurrent use: the filter, test
// and method tables are built once, and parsed templates are cached by their
// source text, since the same task args are rendered for every host.
type Engine struct {
	cfg         *config.Config
	filters     *exec.FilterSet
	tests       *exec.TestSet
	methods     exec.Methods
	globals     map[string]any
	filterNames []string
	testNames   []string

	cache  sync.Map // source (or exprKey+expr) -> *compiled
	cached atomic.Int64
}

// maxCached bounds the template cache: playbook text is finite, but
// templated values inside variables (lazy.go) can come from data.
const maxCached = 50000

// compiled is one parsed template, or the error parsing it gave.
type compiled struct {
	tpl    *exec.Template
	loader *srcLoader
	native *nodes.Output // set when the text is exactly one {{ expr }}
	names  []string      // identifiers the template may read (see lazy.go)
	err    error
}

const exprKey = "\x00expr\x00"

var fqcnReplacer = strings.NewReplacer("ansible.builtin.", "", "ansible.utils.", "", "ansible.netcommon.", "")

// New returns an engine with Ansible's filters, tests and globals.
func New() *Engine {
	cfg := config.New()
	cfg.StrictUndefined = true
	// Ansible's templar uses trim_blocks and keeps a trailing newline.
	cfg.TrimBlocks = true
	cfg.KeepTrailingNewline = true
	e := &Engine{cfg: cfg}
	e.filters, e.filterNames = buildFilters()
	e.tests, e.testNames = buildTests()
	e.methods = buildMethods()
	e.globals = buildGlobals()
	return e
}

// IsTemplated reports whether s contains Jinja2 markup.
func IsTemplated(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// Render renders s with vars. Text without markup is returned unchanged. A
// text that is exactly one "{{ expr }}" (surrounding whitespace allowed)
// yields the expression's native value, as Ansible does; anything else
// yields a string.
func (e *Engine) Render(s string, vars map[string]any) (any, error) {
	return e.render(s, vars, 0)
}

// render is Render at a given depth of variable-to-variable resolution.
func (e *Engine) render(s string, vars map[string]any, depth int) (any, error) {
	if !IsTemplated(s) {
		return s, nil
	}
	c := e.compile(s)
	if c.err != nil {
		return nil, c.err
	}
	if c.native != nil {
		return e.evalOutput(c, c.native, vars, depth)
	}
	return e.execute(c, vars, depth)
}

// RenderString renders s and always returns text; native results are
// formatted the way Jinja prints them.
func (e *Engine) RenderString(s string, vars map[string]any) (string, error) {
	if !IsTemplated(s) {
		return s, nil
	}
	c := e.compile(s)
	if c.err != nil {
		return "", c.err
	}
	if c.native != nil {
		// Same value as Render, printed as Jinja prints it (None, True).
		v, err := e.evalOutput(c, c.native, vars, 0)
		if err != nil {
			return "", err
		}
		return leadingSpace(c.tpl.Root()) + str(v) + trailingSpace(c.tpl.Root()), nil
	}
	return e.execute(c, vars, 0)
}

// RenderValue walks maps ([string]any and [any]any) and slices, rendering
// every string it finds. Containers are copied, never modified in place.
func (e *Engine) RenderValue(v any, vars map[string]any) (any, error) {
	return e.renderValue(v, vars, 0)
}

func (e *Engine) renderValue(v any, vars map[string]any, depth int) (any, error) {
	switch t := v.(type) {
	case string:
		return e.render(t, vars, depth)
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			r, err := e.renderValue(item, vars, depth)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			r, err := e.renderValue(item, vars, depth)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case map[any]any:
		out := make(map[any]any, len(t))
		for k, item := range t {
			r, err := e.renderValue(item, vars, depth)
			if err != nil {
				return nil, err
			}
			if ks, ok := k.(string); ok && IsTemplated(ks) {
				rk, err := e.render(ks, vars, depth)
				if err != nil {
					return nil, err
				}
				k = str(rk)
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// Eval evaluates a bare expression (Ansible `when:`, `that:`,
// `changed_when:`, `debug: var=`) to a native value. An expression that
// itself contains "{{ }}" is rendered as a template instead, as Ansible
// tolerates.
func (e *Engine) Eval(expr string, vars map[string]any) (any, error) {
	if IsTemplated(expr) {
		return e.Render(expr, vars)
	}
	c, err := e.compileExpr(expr)
	if err != nil {
		return nil, err
	}
	return e.evalOutput(c, c.native, vars, 0)
}

// EvalBool evaluates expr and applies Ansible truthiness (see Truthy).
func (e *Engine) EvalBool(expr string, vars map[string]any) (bool, error) {
	v, err := e.Eval(expr, vars)
	if err != nil {
		return false, err
	}
	return Truthy(v), nil
}

// CheckTemplate parses s without rendering it and reports syntax errors and
// unknown filters or tests, with line/col inside s.
func (e *Engine) CheckTemplate(s string) error {
	if !IsTemplated(s) {
		return nil
	}
	return e.compile(s).err
}

// CheckExpr is CheckTemplate for a bare expression.
func (e *Engine) CheckExpr(expr string) error {
	if IsTemplated(expr) {
		return e.CheckTemplate(expr)
	}
	_, err := e.compileExpr(expr)
	return err
}

func (e *Engine) compile(s string) *compiled {
	if c, ok := e.cache.Load(s); ok {
		return c.(*compiled)
	}
	c := e.parse(s, 0)
	if c.err == nil {
		c.native = singleOutput(c.tpl.Root())
	}
	return e.store(s, c)
}

func (e *Engine) compileExpr(expr string) (*compiled, error) {
	key := exprKey + expr
	if c, ok := e.cache.Load(key); ok {
		c := c.(*compiled)
		return c, c.err
	}
	if strings.TrimSpace(expr) == "" {
		return nil, &SyntaxError{Line: 1, Col: 1, Msg: "empty expression"}
	}
	c := e.parse("{{ "+expr+" }}", 3)
	if se, ok := c.err.(*SyntaxError); ok {
		// Errors at our closing "}}" are at the end of the user's text.
		lines := strings.Split(expr, "\n")
		if se.Line == len(lines) && se.Col > len(lines[len(lines)-1]) {
			se.Col = len(lines[len(lines)-1]) + 1
			se.Msg = strings.Replace(se.Msg, ` near "}}"`, " at end of expression", 1)
		}
	}
	if c.err == nil {
		c.native = singleOutput(c.tpl.Root())
		if c.native == nil {
			c.err = &SyntaxError{Line: 1, Col: 1, Msg: "not a single expression"}
		}
	}
	c = e.store(key, c)
	return c, c.err
}

func (e *Engine) store(key string, c *compiled) *compiled {
	if e.cached.Load() >= maxCached {
		return c
	}
	actual, loaded := e.cache.LoadOrStore(key, c)
	if !loaded {
		e.cached.Add(1)
	}
	return actual.(*compiled)
}

func (e *Engine) parse(src string, colShift int) *compiled {
	// Fully qualified names of the filters and tests we provide
	// (`| ansible.builtin.to_json`, `| ansible.utils.ipaddr`) mean the same
	// as the short ones; gonja's grammar has no dotted filter names, so the
	// prefix is dropped.
	src = fqcnReplacer.Replace(src)
	loader := &srcLoader{src: src}
	env := &exec.Environment{
		Filters:           e.filters,
		Tests:             e.tests,
		ControlStructures: controlStructures,
		Context:           exec.EmptyContext(),
		Methods:           e.methods,
	}
	tpl, err := exec.NewTemplate("template", e.cfg, loader, env)
	if err != nil {
		return &compiled{err: syntaxError(err, colShift)}
	}
	if err := e.checkNames(src, colShift); err != nil {
		return &compiled{err: err}
	}
	return &compiled{tpl: tpl, loader: loader, names: namesFromTokens(tokens.LexAll(src, e.cfg))}
}

// singleOutput returns the only {{ }} node of a template made of one
// expression and optional surrounding whitespace, or nil.
func singleOutput(root *nodes.Template) *nodes.Output {
	var out *nodes.Output
	for _, n := range root.Nodes {
		switch t := n.(type) {
		case *nodes.Data:
			if strings.TrimSpace(t.Data.Val) != "" {
				return nil
			}
		case *nodes.Output:
			if out != nil {
				return nil
			}
			out = t
		default:
			return nil
		}
	}
	return out
}

// leadingSpace/trailingSpace return the whitespace around a single
// expression, which RenderString keeps.
func leadingSpace(root *nodes.Template) string {
	if d, ok := root.Nodes[0].(*nodes.Data); ok {
		return d.Data.Val
	}
	return ""
}

func trailingSpace(root *nodes.Template) string {
	if len(root.Nodes) > 1 {
		if d, ok := root.Nodes[len(root.Nodes)-1].(*nodes.Data); ok {
			return d.Data.Val
		}
	}
	return ""
}

// environment builds the per-call environment: the caller's vars (never
// written to), then an overlay with the templated variables this template
// uses rendered (lazy.go), then a fresh scope holding the globals that vars
// do not shadow, where the template's own {% set %} lands.
func (e *Engine) environment(c *compiled, vars map[string]any, depth int) *exec.Environment {
	if vars == nil {
		vars = map[string]any{}
	}
	ctx := exec.NewContext(vars)
	if overlay := e.lazyOverlay(c.names, vars, depth); overlay != nil {
		ctx = ctx.Inherit()
		for k, v := range overlay {
			ctx.Set(k, v)
		}
	}
	ctx = ctx.Inherit()
	for k, v := range e.globals {
		if _, shadowed := vars[k]; !shadowed {
			ctx.Set(k, v)
		}
	}
	return &exec.Environment{
		Filters:           e.filters,
		Tests:             e.tests,
		ControlStructures: controlStructures,
		Context:           ctx,
		Methods:           e.methods,
	}
}

func (e *Engine) execute(c *compiled, vars map[string]any, depth int) (out string, err error) {
	defer recoverInto(&err)
	var b strings.Builder
	r := exec.NewRenderer(e.environment(c, vars, depth), &b, e.cfg, c.loader, c.tpl)
	if err := r.Execute(); err != nil {
		return "", e.classify(err)
	}
	return b.String(), nil
}

func (e *Engine) evalOutput(c *compiled, out *nodes.Output, vars map[string]any, depth int) (result any, err error) {
	defer recoverInto(&err)
	ev := &exec.Evaluator{Config: e.cfg, Environment: e.environment(c, vars, depth), Loader: c.loader}
	expr := out.Expression
	if out.Condition != nil {
		cond := ev.Eval(out.Condition)
		if cond.IsError() {
			return nil, e.classify(cond)
		}
		if !cond.IsTrue() {
			if out.Alternative == nil {
				// Jinja's `x if c` without else yields Undefined, which
				// prints as nothing.
				return "", nil
			}
			expr = out.Alternative
		}
	}
	var v *exec.Value
	if neg, ok := expr.(*nodes.Negation); ok {
		// gonja's `not 5` yields 0; Jinja yields False.
		v = ev.Eval(neg.Term)
		if !v.IsError() {
			v = exec.AsValue(!v.IsTrue())
		}
	} else {
		v = ev.Eval(expr)
	}
	if v.IsError() {
		return nil, e.classify(v)
	}
	g, err := toGo(v)
	if err != nil {
		return nil, e.classify(err)
	}
	return g, nil
}

// recoverInto turns a panic inside gonja (it has a few on odd input types)
// into an error, so one bad template fails its task instead of the run.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("template error: internal failure evaluating template: %v", r)
	}
}

// srcLoader serves one template text. Include/import of other files is not
// supported from task args, so every name resolves to that text's owner.
type srcLoader struct{ src string }

func (l *srcLoader) Read(path string) (io.Reader, error) {
	if path != "template" {
		return nil, errors.New("templates cannot include other files here: " + path)
	}
	return strings.NewReader(l.src), nil
}
func (l *srcLoader) Resolve(path string) (string, error)    { return path, nil }
func (l *srcLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
