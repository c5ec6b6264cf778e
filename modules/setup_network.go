package modules

import (
	"net"
	"strconv"
	"strings"
)

// setupIface collects what `ip -o link` and `ip -o addr` say about one
// interface, in the shape of Ansible's ansible_<iface> facts.
type setupIface struct {
	facts map[string]any
	v4    []map[string]any
	v6    []any
}

// setupIfName cleans "eth0@if12:" to "eth0".
func setupIfName(s string) string {
	s = strings.TrimSuffix(s, ":")
	if i := strings.IndexByte(s, '@'); i > 0 {
		s = s[:i]
	}
	return s
}

func setupNetwork(secs map[string]string, f map[string]any) {
	ifaces := map[string]*setupIface{}
	var order []string
	get := func(name string) *setupIface {
		if x, ok := ifaces[name]; ok {
			return x
		}
		x := &setupIface{facts: map[string]any{"device": name}}
		ifaces[name] = x
		order = append(order, name)
		return x
	}
	for _, line := range strings.Split(secs["link"], "\n") {
		p := strings.Fields(strings.ReplaceAll(line, `\`, " "))
		if len(p) < 3 {
			continue
		}
		x := get(setupIfName(p[1]))
		flags := strings.Split(strings.Trim(p[2], "<>"), ",")
		x.facts["active"] = false
		for _, fl := range flags {
			if fl == "UP" {
				x.facts["active"] = true
			}
			if fl == "PROMISC" {
				x.facts["promisc"] = true
			}
		}
		if _, ok := x.facts["promisc"]; !ok {
			x.facts["promisc"] = false
		}
		for i := 3; i+1 < len(p); i++ {
			switch {
			case p[i] == "mtu":
				if n, err := strconv.Atoi(p[i+1]); err == nil {
					x.facts["mtu"] = n
				}
			case strings.HasPrefix(p[i], "link/"):
				typ := strings.TrimPrefix(p[i], "link/")
				x.facts["type"] = typ
				if typ == "ether" || typ == "loopback" {
					x.facts["macaddress"] = p[i+1]
				}
			}
		}
	}
	var all4, all6 []any
	for _, line := range strings.Split(secs["addr"], "\n") {
		p := strings.Fields(strings.ReplaceAll(line, `\`, " "))
		if len(p) < 4 || (p[2] != "inet" && p[2] != "inet6") {
			continue
		}
		x := get(setupIfName(p[1]))
		ip, ipnet, err := net.ParseCIDR(p[3])
		if err != nil {
			continue
		}
		prefix, _ := ipnet.Mask.Size()
		scope := ""
		brd := ""
		for i := 4; i+1 < len(p); i++ {
			switch p[i] {
			case "scope":
				scope = p[i+1]
			case "brd":
				brd = p[i+1]
			}
		}
		if p[2] == "inet" {
			a := map[string]any{"address": ip.String(), "netmask": net.IP(ipnet.Mask).String(),
				"network": ipnet.IP.String(), "prefix": strconv.Itoa(prefix)}
			if brd != "" {
				a["broadcast"] = brd
			}
			x.v4 = append(x.v4, a)
			if !ip.IsLoopback() {
				all4 = append(all4, ip.String())
			}
		} else {
			x.v6 = append(x.v6, map[string]any{"address": ip.String(), "prefix": strconv.Itoa(prefix), "scope": scope})
			if !ip.IsLoopback() {
				all6 = append(all6, ip.String())
			}
		}
	}
	if len(order) == 0 {
		return // no ip tool: leave the network facts out
	}
	names := make([]any, 0, len(order))
	for _, name := range order {
		x := ifaces[name]
		names = append(names, name)
		if len(x.v4) > 0 {
			x.facts["ipv4"] = x.v4[0]
			if len(x.v4) > 1 {
				sec := make([]any, 0, len(x.v4)-1)
				for _, a := range x.v4[1:] {
					sec = append(sec, a)
				}
				x.facts["ipv4_secondaries"] = sec
			}
		}
		if len(x.v6) > 0 {
			x.facts["ipv6"] = x.v6
		}
		// Ansible names the fact after the device with - and : made safe.
		key := strings.NewReplacer("-", "_", ":", "_", ".", "_").Replace(name)
		f[key] = x.facts
	}
	f["interfaces"] = names
	if all4 == nil {
		all4 = []any{}
	}
	if all6 == nil {
		all6 = []any{}
	}
	f["all_ipv4_addresses"] = all4
	f["all_ipv6_addresses"] = all6
	f["default_ipv4"] = setupDefaultRoute(secs["route4"], ifaces, false)
	f["default_ipv6"] = setupDefaultRoute(secs["route6"], ifaces, true)
}

// setupDefaultRoute reads `ip route get <public address>`: the interface,
// gateway and source address the host would use to reach the outside.
func setupDefaultRoute(out string, ifaces map[string]*setupIface, v6 bool) map[string]any {
	r := map[string]any{}
	p := strings.Fields(out)
	for i := 0; i+1 < len(p); i++ {
		switch p[i] {
		case "via":
			r["gateway"] = p[i+1]
		case "dev":
			r["interface"] = p[i+1]
			r["alias"] = p[i+1]
		case "src":
			r["address"] = p[i+1]
		}
	}
	dev, _ := r["interface"].(string)
	x, ok := ifaces[dev]
	if !ok {
		return r
	}
	for _, k := range []string{"macaddress", "mtu", "type"} {
		if v, ok := x.facts[k]; ok {
			r[k] = v
		}
	}
	if !v6 {
		for _, a := range x.v4 {
			if a["address"] == r["address"] {
				for _, k := range []string{"netmask", "network", "prefix", "broadcast"} {
					if v, ok := a[k]; ok {
						r[k] = v
					}
				}
			}
		}
	} else {
		for _, a := range x.v6 {
			m := a.(map[string]any)
			if m["address"] == r["address"] {
				r["prefix"] = m["prefix"]
				r["scope"] = m["scope"]
			}
		}
	}
	return r
}
