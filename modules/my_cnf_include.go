package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

// The server reads one root option file and follows its !include and
// !includedir directives; an option set in two of those files is a classic
// trap (Debian's 50-server.cnf binds 127.0.0.1 while a later galera.cnf
// says 0.0.0.0). walkCnf reproduces the reading order so my_cnf can say
// where an option is already set and which setting wins.

// cnfSource reads option files; the module reads over the connection,
// unit tests from testdata.
type cnfSource interface {
	read(ctx context.Context, p string) (string, bool, error)
	// list returns the entries of a directory (names only); a missing
	// directory is an empty list.
	list(ctx context.Context, dir string) ([]string, error)
}

// cnfSite is one place an option is set, in the order the server reads.
type cnfSite struct {
	File    string
	Line    int // 1-based
	Section string
	Name    string
	Value   string
	HasVal  bool
}

func (s cnfSite) String() string {
	v := ""
	if s.HasVal {
		v = " = " + s.Value
	}
	return fmt.Sprintf("%s:%d [%s] %s%s", s.File, s.Line, s.Section, s.Name, v)
}

// cnfTree is the result of walking the include graph from a root.
type cnfTree struct {
	Files []string             // every file read, in order
	Lines map[string][]cnfLine // parsed content per file
}

// walkCnf reads root and everything it includes. override supplies the
// content of files as they will be after an edit (path -> content), so the
// warnings describe the result, not the past.
func walkCnf(ctx context.Context, src cnfSource, root string, override map[string]string) (*cnfTree, error) {
	t := &cnfTree{Lines: map[string][]cnfLine{}}
	seen := map[string]bool{}
	var visit func(p string, depth int) error
	visit = func(p string, depth int) error {
		if seen[p] || depth > 10 {
			return nil // include loops are the server's problem, not ours
		}
		seen[p] = true
		text, ok := override[p]
		if !ok {
			var exists bool
			var err error
			if text, exists, err = src.read(ctx, p); err != nil {
				return err
			} else if !exists {
				return nil
			}
		}
		lines := parseCnf(text)
		t.Files = append(t.Files, p)
		t.Lines[p] = lines
		for _, l := range lines {
			arg := l.Arg
			if arg != "" && !path.IsAbs(arg) {
				arg = path.Join(path.Dir(p), arg)
			}
			switch l.Kind {
			case cnfInclude:
				if err := visit(arg, depth+1); err != nil {
					return err
				}
			case cnfIncDir:
				names, err := src.list(ctx, arg)
				if err != nil {
					return err
				}
				var cnfs []string
				for _, n := range names {
					if strings.HasSuffix(n, ".cnf") {
						cnfs = append(cnfs, n)
					}
				}
				// MariaDB reads an included directory in name order.
				sort.Strings(cnfs)
				for _, n := range cnfs {
					if err := visit(path.Join(arg, n), depth+1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return t, visit(root, 0)
}

// sites lists where an option is set in groups that the program reading
// section also reads, in reading order (the last one wins).
func (t *cnfTree) sites(section, option string) []cnfSite {
	norm := cnfNorm(option)
	var out []cnfSite
	for _, f := range t.Files {
		for i, l := range t.Lines[f] {
			if l.Kind == cnfOption && cnfNorm(l.Name) == norm && cnfSameReader(l.Section, section) {
				out = append(out, cnfSite{File: f, Line: i + 1, Section: l.Section, Name: l.Name, Value: l.Value, HasVal: l.HasVal})
			}
		}
	}
	return out
}

// cnfFamily maps a group to the program family that reads it: the server
// reads [server], [mysqld], [mariadb], [mariadbd], [galera] and their
// versioned forms; client tools read [client] and friends; [client-server]
// is read by both.
func cnfFamily(section string) string {
	s := strings.ToLower(section)
	switch s {
	case "server", "mysqld", "mariadb", "mariadbd", "galera", "embedded":
		return "server"
	case "client", "client-mariadb", "mysql", "mariadb-client":
		return "client"
	case "client-server":
		return "both"
	}
	for _, p := range []string{"mysqld-", "mariadb-", "mariadbd-"} {
		if strings.HasPrefix(s, p) && len(s) > len(p) && s[len(p)] >= '0' && s[len(p)] <= '9' {
			return "server"
		}
	}
	return "group:" + s
}

// cnfSameReader reports whether a program reading group a also reads b.
func cnfSameReader(a, b string) bool {
	fa, fb := cnfFamily(a), cnfFamily(b)
	if fa == fb {
		return true
	}
	if fa == "both" {
		return fb == "server" || fb == "client"
	}
	if fb == "both" {
		return fa == "server" || fa == "client"
	}
	return false
}

// cnfWarnings describes options of settings that end up set in more than
// one place after the edit of file.
func cnfWarnings(t *cnfTree, file, section string, settings []cnfSetting) []string {
	var out []string
	for _, s := range settings {
		sites := t.sites(section, s.Name)
		files := map[string]bool{}
		for _, st := range sites {
			files[st.File] = true
		}
		if len(files) < 2 {
			continue
		}
		var where []string
		for _, st := range sites {
			where = append(where, st.String())
		}
		last := sites[len(sites)-1]
		msg := fmt.Sprintf("option %s is set in %d places: %s; the server uses the last one read (%s:%d)",
			s.Name, len(sites), strings.Join(where, ", "), last.File, last.Line)
		if last.File != file {
			msg += fmt.Sprintf(", so the value in %s has no effect", file)
		}
		out = append(out, msg)
	}
	return out
}

// cnfRoots are the root option files tried in order when the task does
// not name one: Debian's, then the one RedHat and upstream builds read.
var cnfRoots = []string{"/etc/mysql/my.cnf", "/etc/my.cnf"}
