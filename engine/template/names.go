package template

import (
	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/playbook/play/engine/diag"
)

var controlStructures = builtins.ControlStructures

// checkNames scans the token stream for lexer errors and for filter and
// test names the engine does not know. gonja itself only notices unknown
// filters when it runs them, and a lexer error can silently end parsing;
// static validation needs both up front, with positions.
func (e *Engine) checkNames(src string, colShift int) error {
	s := tokens.LexAll(src, e.cfg)
	var prev, prev2 *tokens.Token
	for !s.EOF() {
		t := s.Current()
		col := t.Col
		if t.Line == 1 {
			col -= colShift
		}
		switch {
		case t.Type == tokens.Error:
			return &SyntaxError{Line: t.Line, Col: max(col, 1), Msg: t.Val}
		case t.Type == tokens.Name && prev != nil && prev.Type == tokens.Pipe:
			if !e.filters.Exists(t.Val) {
				return &UnknownNameError{Kind: "filter", Name: t.Val, Line: t.Line, Col: col,
					Hint: diag.DidYouMean(t.Val, e.filterNames)}
			}
		case t.Type == tokens.Name && prev != nil && isTestKeyword(prev, prev2):
			if !e.tests.Exists(t.Val) {
				return &UnknownNameError{Kind: "test", Name: t.Val, Line: t.Line, Col: col,
					Hint: diag.DidYouMean(t.Val, e.testNames)}
			}
		}
		prev2, prev = prev, t
		s.Next()
	}
	return nil
}

// isTestKeyword reports whether the tokens before a name make it a test
// name: "is NAME" or "is not NAME".
func isTestKeyword(prev, prev2 *tokens.Token) bool {
	if prev.Type == tokens.Is {
		return true
	}
	return prev.Type == tokens.Not && prev2 != nil && prev2.Type == tokens.Is
}
