package inventory

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/playbook/play/engine/diag"
)

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// pendingDecl remembers a group referenced before it is declared: a
// [g:vars] section, or a child in [p:children]. Ansible requires both to
// be declared somewhere in the same file.
type pendingDecl struct {
	state   string
	pos     diag.Pos
	parents []string
}

// parseINI reads an INI inventory as Ansible's ini plugin does. It keeps
// going after an error so every problem in the file is reported.
func (inv *Inventory) parseINI(path string, data []byte, errs *diag.List) {
	group, state := "ungrouped", "hosts"
	pending := map[string]*pendingDecl{}
	var pendingOrder []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineno := 0
	for sc.Scan() {
		lineno++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		col := strings.Index(raw, line) + 1
		pos := diag.Pos{File: path, Line: lineno, Col: col}

		if m := iniSection.FindStringSubmatch(line); m != nil {
			group, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				d := errs.Addf(pos, "section [%s:%s] has unknown type: %s", m[1], m[2], m[2])
				d.Hint = "use [" + m[1] + "], [" + m[1] + ":vars] or [" + m[1] + ":children]"
				state = "skip"
				continue
			}
			if _, ok := inv.groups[group]; !ok {
				if state == "vars" && pending[group] == nil {
					pending[group] = &pendingDecl{state: "vars", pos: pos}
					pendingOrder = append(pendingOrder, group)
				}
				inv.group(group, pos)
			}
			if p := pending[group]; p != nil && state != "vars" {
				if p.state == "children" {
					for _, parent := range p.parents {
						if d := inv.addChild(parent, group, p.pos); d != nil {
							errs.Add(d)
						}
					}
				}
				delete(pending, group)
			}
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			errs.Addf(pos, "invalid section entry: '%s'", line).Hint =
				"make sure there are no spaces or other invalid characters in the section entry"
			continue
		}

		switch state {
		case "hosts":
			inv.iniHostLine(line, pos, group, errs)
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				errs.Addf(pos, "expected key=value, got: %s", line)
				continue
			}
			inv.groups[group].setVar(strings.TrimSpace(k), iniValue(strings.TrimSpace(v)))
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				errs.Addf(pos, "invalid group name: %s", line)
				continue
			}
			child := m[1]
			if _, ok := inv.groups[child]; ok {
				if d := inv.addChild(group, child, pos); d != nil {
					errs.Add(d)
				}
				continue
			}
			if p := pending[child]; p != nil {
				p.parents = append(p.parents, group)
				if p.state == "vars" {
					// [child:vars] came first; the child still needs a declaration.
					p.state, p.pos = "children", pos
				}
				continue
			}
			pending[child] = &pendingDecl{state: "children", pos: pos, parents: []string{group}}
			pendingOrder = append(pendingOrder, child)
		}
	}
	if err := sc.Err(); err != nil {
		errs.Addf(diag.Pos{File: path, Line: lineno + 1}, "cannot read: %v", err)
	}
	// References never resolved by a declaration are errors in Ansible.
	for _, g := range pendingOrder {
		p := pending[g]
		if p == nil {
			continue
		}
		if p.state == "vars" {
			d := errs.Addf(p.pos, "section [%s:vars] not valid for undefined group: %s", g, g)
			d.Hint = "declare the group with [" + g + "] or [" + g + ":children]" + suggestHint(g, inv.gorder)
			continue
		}
		d := errs.Addf(p.pos, "section [%s:children] includes undefined group: %s", p.parents[len(p.parents)-1], g)
		d.Hint = "declare it with a [" + g + "] section" + suggestHint(g, inv.gorder)
		// Keep the model usable for the remaining checks.
		for _, parent := range p.parents {
			inv.addChild(parent, g, p.pos)
		}
	}
}

func suggestHint(name string, candidates []string) string {
	if s := diag.DidYouMean(name, without(candidates, name)); s != "" {
		return ", or " + s
	}
	return ""
}

func without(l []string, s string) []string {
	out := make([]string, 0, len(l))
	for _, x := range l {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// iniHostLine handles "pattern [k=v ...]" in a hosts section.
func (inv *Inventory) iniHostLine(line string, pos diag.Pos, group string, errs *diag.List) {
	toks, err := shlexSplit(line)
	if err != nil {
		errs.Addf(pos, "error parsing host definition '%s': %v", line, err)
		return
	}
	if len(toks) == 0 {
		return
	}
	names, port, err := expandHostPattern(toks[0].text)
	if err != nil {
		errs.Add(diag.Errorf(pos, "%v", err))
		return
	}
	vars := map[string]any{}
	var order []string
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t.text, "=")
		if !ok {
			tp := pos
			tp.Col += t.off
			errs.Addf(tp, "expected key=value host variable assignment, got: %s", t.text)
			return
		}
		if _, seen := vars[k]; !seen {
			order = append(order, k)
		}
		vars[k] = iniValue(v)
	}
	for _, n := range names {
		h := inv.host(n, group, pos)
		if port != 0 {
			h.inline["ansible_port"] = port
		}
		for _, k := range order {
			h.inline[k] = vars[k]
		}
	}
}

func atoiOK(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}
