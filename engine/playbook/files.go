package playbook

import (
	"fmt"
	"os"
	"path/filepath"
)

// FindFile resolves a relative src of copy/template/script the way Ansible
// does: the role's files/ or templates/ first, then the task file's
// directory and its files/ or templates/.
func (t *Task) FindFile(kind, name string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("%s not found", name)
		}
		return name, nil
	}
	var cands []string
	if t.Role != nil {
		cands = append(cands, filepath.Join(t.Role.Path, kind, name), filepath.Join(t.Role.Path, name))
	}
	if t.Dir != "" {
		cands = append(cands, filepath.Join(t.Dir, kind, name), filepath.Join(t.Dir, name))
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("could not find %s in %s (searched %v)", name, kind, cands)
}
