package modules

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

func init() { Register(&reposyncModule{}) }

// reposyncModule mirrors dnf repositories into a directory with
// `dnf reposync` (dnf-plugins-core), as the local-mirror workflow does.
// changed reports whether files in the mirror actually changed, from a
// listing before and after; check mode lists what dnf would download
// (reposync --urls) and compares it with the files already there.
type reposyncModule struct{}

func (*reposyncModule) Spec() *Spec {
	return &Spec{
		Name: "reposync",
		Doc:  "Mirror dnf repositories into a local directory (dnf reposync)",
		Params: []Param{
			{Name: "repoid", Type: TypeList, Elem: TypeStr, Required: true, Aliases: []string{"repo"}, Help: "repositories to mirror (baseos, appstream, ...)"},
			{Name: "download_path", Type: TypePath, Required: true, Aliases: []string{"dest", "path"}, Help: "directory receiving one sub-directory per repository"},
			{Name: "download_metadata", Type: TypeBool, Default: true, Help: "also copy the repodata, so the mirror is usable as a repository"},
			{Name: "newest_only", Type: TypeBool, Default: false, Help: "only the newest version of each package"},
			{Name: "delete", Type: TypeBool, Default: false, Help: "remove local packages that are no longer in the repository"},
			{Name: "norepopath", Type: TypeBool, Default: false, Help: "do not add the repository id to the path (one repository only)"},
			{Name: "arch", Type: TypeList, Elem: TypeStr, Help: "only these architectures"},
			{Name: "remote_time", Type: TypeBool, Default: false, Help: "give downloaded files the server's time stamps"},
			{Name: "conf_file", Type: TypePath, Help: "the dnf configuration file (-c)"},
			{Name: "releasever", Help: "the $releasever to use"},
			{Name: "disable_plugin", Type: TypeList, Elem: TypeStr, Help: "dnf plugins to disable (reposync itself is one: never '*')"},
			{Name: "update_cache", Type: TypeBool, Default: true, Help: "fetch the repositories' metadata anew (--refresh) instead of trusting dnf's cache"},
		},
	}
}

// reposyncArgs are the options shared by the listing and the real run.
func reposyncArgs(args map[string]any, repos []string) []string {
	var o []string
	if f := Str(args, "conf_file"); f != "" {
		o = append(o, "-c", f)
	}
	if v := Str(args, "releasever"); v != "" {
		o = append(o, "--releasever="+v)
	}
	for _, p := range List(args, "disable_plugin") {
		o = append(o, "--disableplugin="+p)
	}
	// A mirror exists to follow its upstream: dnf's cached metadata
	// (metadata_expire, 48 h by default) would hide a package published
	// since the last sync, and the next sync would report "no change".
	if Bool(args, "update_cache") {
		o = append(o, "--refresh")
	}
	o = append(o, "reposync", "-p", Str(args, "download_path"))
	for _, r := range repos {
		o = append(o, "--repoid="+r)
	}
	if Bool(args, "newest_only") {
		o = append(o, "--newest-only")
	}
	if Bool(args, "norepopath") {
		o = append(o, "--norepopath")
	}
	for _, a := range List(args, "arch") {
		o = append(o, "--arch="+a)
	}
	return o
}

// reposyncDir is where one repository's files land.
func reposyncDir(args map[string]any, repo string) string {
	if Bool(args, "norepopath") {
		return Str(args, "download_path")
	}
	return path.Join(Str(args, "download_path"), repo)
}

// reposyncListing maps relative path -> "size sha1-of-repomd" for the
// files of a mirror directory; repomd.xml is hashed because reposync
// rewrites it on every run, changed or not.
func reposyncListing(ctx context.Context, t *Task, dir string) (map[string]string, error) {
	script := "d=" + sysQuote(dir) + `; [ -d "$d" ] || exit 0; cd "$d" && find . -type f -printf '%P\t%s\n'; ` +
		`[ -f repodata/repomd.xml ] && printf 'repodata/repomd.xml\t%s\n' "$(sha1sum < repodata/repomd.xml | cut -c1-40)"`
	o, err := sysRun(ctx, t, script, nil, cEnv)
	if err != nil {
		return nil, err
	}
	if o.rc != 0 {
		return nil, fmt.Errorf("listing %s: %s", dir, o.text())
	}
	files := map[string]string{}
	for _, line := range strings.Split(o.stdout, "\n") {
		if p, v, ok := strings.Cut(line, "\t"); ok {
			files[p] = v // the repomd.xml hash line comes last and wins
		}
	}
	return files, nil
}

// reposyncPlan lists, from dnf's own --urls output, the files a sync
// would fetch that the mirror lacks, and with delete the packages it
// would remove. The repository's base URL is whatever precedes
// "repodata/" in the metadata URLs, which are always listed.
func reposyncPlan(urls []string, have map[string]string, metadata, del bool) (fetch, remove []string) {
	base := ""
	for _, u := range urls {
		if i := strings.LastIndex(u, "repodata/"); i >= 0 {
			base = u[:i]
			break
		}
	}
	want := map[string]bool{}
	for _, u := range urls {
		rel := strings.TrimPrefix(u, base)
		if strings.HasPrefix(rel, "repodata/") && !metadata {
			continue
		}
		want[rel] = true
		if _, ok := have[rel]; !ok {
			fetch = append(fetch, rel)
		}
	}
	if del {
		for p := range have {
			if strings.HasSuffix(p, ".rpm") && !want[p] {
				remove = append(remove, p)
			}
		}
	}
	sort.Strings(fetch)
	sort.Strings(remove)
	return fetch, remove
}

// reposyncCompare lists files added, changed and removed between listings.
func reposyncCompare(before, after map[string]string) (added, changed, removed []string) {
	for p, v := range after {
		switch b, ok := before[p]; {
		case !ok:
			added = append(added, p)
		case b != v:
			changed = append(changed, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			removed = append(removed, p)
		}
	}
	sort.Strings(added)
	sort.Strings(changed)
	sort.Strings(removed)
	return
}

func (*reposyncModule) Run(ctx context.Context, t *Task) (*Result, error) {
	repos := List(t.Args, "repoid")
	if len(repos) == 0 {
		return failf("repoid must name at least one repository"), nil
	}
	if Bool(t.Args, "norepopath") && len(repos) > 1 {
		return failf("norepopath needs exactly one repoid: the repositories would share one directory"), nil
	}
	for _, p := range List(t.Args, "disable_plugin") {
		if p == "*" || p == "reposync" {
			return failf("disable_plugin: %s would disable reposync itself", p), nil
		}
	}
	metadata, del := Bool(t.Args, "download_metadata"), Bool(t.Args, "delete")
	res := &Result{Data: map[string]any{"download_path": Str(t.Args, "download_path"), "repoid": repos}}
	befores := map[string]map[string]string{}
	for _, r := range repos {
		l, err := reposyncListing(ctx, t, reposyncDir(t.Args, r))
		if err != nil {
			return failf("%v", err), nil
		}
		befores[r] = l
	}

	if t.Check {
		var summary []any
		for _, r := range repos {
			o, err := sysRun(ctx, t, "dnf "+sysQuoteAll(reposyncArgs(t.Args, []string{r}))+" --download-metadata --urls", nil, cEnv)
			if err != nil {
				return nil, err
			}
			if o.rc != 0 {
				return failf("dnf reposync --urls for %s failed: %s", r, o.text()), nil
			}
			var urls []string
			for _, line := range strings.Split(o.stdout, "\n") {
				if strings.Contains(line, "://") {
					urls = append(urls, strings.TrimSpace(line))
				}
			}
			fetch, remove := reposyncPlan(urls, befores[r], metadata, del)
			if len(fetch)+len(remove) > 0 {
				res.Changed = true
				res.Diffs = append(res.Diffs, stateDiff("reposync "+r,
					map[string]any{"files": len(befores[r])},
					map[string]any{"download": len(fetch), "delete": len(remove)}))
			}
			summary = append(summary, map[string]any{"repoid": r, "download": strList(fetch), "delete": strList(remove)})
		}
		res.Data["repos"] = summary
		return res, nil
	}

	cmd := reposyncArgs(t.Args, repos)
	if metadata {
		cmd = append(cmd, "--download-metadata")
	}
	if del {
		cmd = append(cmd, "--delete")
	}
	if Bool(t.Args, "remote_time") {
		cmd = append(cmd, "--remote-time")
	}
	o, err := sysRun(ctx, t, "dnf "+sysQuoteAll(cmd), nil, cEnv)
	if err != nil {
		return nil, err
	}
	res.Data["stdout"], res.Data["stderr"] = o.stdout, o.stderr
	if o.rc != 0 {
		res.Failed, res.Msg = true, "dnf reposync failed: "+o.text()
		return res, nil
	}
	var summary []any
	for _, r := range repos {
		after, err := reposyncListing(ctx, t, reposyncDir(t.Args, r))
		if err != nil {
			return failf("%v", err), nil
		}
		added, changed, removed := reposyncCompare(befores[r], after)
		if len(added)+len(changed)+len(removed) > 0 {
			res.Changed = true
			res.Diffs = append(res.Diffs, stateDiff("reposync "+r,
				map[string]any{"files": len(befores[r])},
				map[string]any{"files": len(after), "added": len(added), "updated": len(changed), "deleted": len(removed)}))
		}
		summary = append(summary, map[string]any{"repoid": r, "added": strList(added), "updated": strList(changed), "deleted": strList(removed)})
	}
	res.Data["repos"] = summary
	return res, nil
}

func strList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
