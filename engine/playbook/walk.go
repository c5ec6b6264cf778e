package playbook

// Walk calls fn for every task and handler of the play in source order,
// descending into blocks, includes and roles (each role once per play).
func (p *Play) Walk(fn func(t *Task)) { p.walk(fn, true) }

// WalkTasks is Walk without handlers: what a run executes in order.
func (p *Play) WalkTasks(fn func(t *Task)) { p.walk(fn, false) }

func (p *Play) walk(fn func(t *Task), handlers bool) {
	seen := map[*Role]bool{}
	var walkTasks func(ts []*Task)
	var walkRole func(r *Role)
	walkRole = func(r *Role) {
		if r == nil || seen[r] {
			return
		}
		seen[r] = true
		for _, d := range r.Deps {
			walkRole(d.Role)
		}
		walkTasks(r.Tasks)
		if handlers {
			walkTasks(r.Handlers)
		}
	}
	walkTasks = func(ts []*Task) {
		for _, t := range ts {
			fn(t)
			if t.RoleRef != nil && t.RoleRef.Role != nil {
				walkRole(t.RoleRef.Role)
				for _, d := range t.RoleRef.Role.Deps {
					walkRole(d.Role)
				}
				continue
			}
			walkTasks(t.Block)
			walkTasks(t.Rescue)
			walkTasks(t.Always)
		}
	}
	walkTasks(p.PreTasks)
	for _, r := range p.Roles {
		walkRole(r.Role)
	}
	walkTasks(p.Tasks)
	walkTasks(p.PostTasks)
	if handlers {
		walkTasks(p.Handlers)
	}
}

// AllHandlers returns the handlers visible in the play: the play's own and
// those of every role it uses, in definition order.
func (p *Play) AllHandlers() []*Task {
	var out []*Task
	seen := map[*Role]bool{}
	var addRole func(r *Role)
	addRole = func(r *Role) {
		if r == nil || seen[r] {
			return
		}
		seen[r] = true
		for _, d := range r.Deps {
			addRole(d.Role)
		}
		out = append(out, r.Handlers...)
	}
	for _, r := range p.Roles {
		addRole(r.Role)
	}
	p.Walk(func(t *Task) {
		if t.RoleRef != nil {
			addRole(t.RoleRef.Role)
		}
	})
	return append(out, p.Handlers...)
}
