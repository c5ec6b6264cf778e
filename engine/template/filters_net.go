package template

import (
	"net"
	"net/netip"
	"strconv"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// The basics of ansible.utils.ipaddr/ipv4/ipv6 that inventories and config
// templates use: validate or filter addresses and pull parts of a CIDR.
// Like Ansible, a value that does not qualify yields false (or is dropped
// from a list).

// ipQuery applies query to one address or CIDR; ok is false when the value
// does not qualify.
func ipQuery(s, query string, version int) (any, bool) {
	prefix, err := netip.ParsePrefix(s)
	isCIDR := err == nil
	if !isCIDR {
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return nil, false
		}
		prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	addr := prefix.Addr()
	if (version == 4 && !addr.Is4()) || (version == 6 && !addr.Is6()) {
		return nil, false
	}
	switch query {
	case "":
		return s, true
	case "address":
		return addr.String(), true
	case "host":
		return prefix.String(), true
	case "network":
		return prefix.Masked().Addr().String(), true
	case "prefix":
		return prefix.Bits(), true
	case "netmask":
		return net.IP(net.CIDRMask(prefix.Bits(), addr.BitLen())).String(), true
	case "broadcast":
		if !addr.Is4() {
			return nil, false
		}
		b := prefix.Masked().Addr().As4()
		mask := net.CIDRMask(prefix.Bits(), 32)
		for i := range b {
			b[i] |= ^mask[i]
		}
		return netip.AddrFrom4(b).String(), true
	case "net", "subnet", "cidr":
		if !isCIDR {
			return nil, false
		}
		return prefix.Masked().String(), true
	case "private":
		return s, addr.IsPrivate()
	case "public":
		return s, addr.IsGlobalUnicast() && !addr.IsPrivate()
	case "loopback":
		return s, addr.IsLoopback()
	case "size":
		return 1 << (addr.BitLen() - prefix.Bits()), true
	}
	if n, err := strconv.Atoi(query); err == nil {
		// ipaddr(N): the N-th address of the network, as host/prefix.
		a := prefix.Masked().Addr()
		for range n {
			a = a.Next()
		}
		if !prefix.Contains(a) {
			return nil, false
		}
		return netip.PrefixFrom(a, prefix.Bits()).String(), true
	}
	return nil, false
}

func ipFilter(version int) filterFunc {
	return func(_ *exec.Evaluator, in *exec.Value, p *exec.VarArgs) *exec.Value {
		x, errv := in2go(in)
		if errv != nil {
			return errv
		}
		query := argString(p, 0, "query", "")
		if l, ok := x.([]any); ok {
			out := []any{}
			for _, item := range l {
				if r, ok := ipQuery(str(item), query, version); ok {
					out = append(out, r)
				}
			}
			return exec.AsValue(out)
		}
		if x == nil {
			return exec.AsValue(false)
		}
		if r, ok := ipQuery(str(x), query, version); ok {
			return exec.AsValue(r)
		}
		return exec.AsValue(false)
	}
}
