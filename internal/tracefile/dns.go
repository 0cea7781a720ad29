package tracefile

import "net"

// Lookup is one successful name resolution of a process (a line of
// dns.json) reduced to what maps addresses to names.
type Lookup struct {
	Name          string   // the name asked (forward) or found (reverse: canonname / host)
	IPs           []string // the addresses the lookup returned
	TimestampUsec int64    // when it returned
}

// Lookups lists the successful lookups of the process, in file order.
func (p *Process) Lookups() []Lookup {
	var out []Lookup
	for _, ev := range p.DNS {
		if !ev.Success {
			continue
		}
		l := Lookup{TimestampUsec: ev.TimestampUsec}
		switch ev.Type {
		case "getnameinfo":
			l.Name, _ = ev.DetailString("host")
			if ip, ok := ev.DetailString("addr", "ip"); ok {
				l.IPs = []string{ip}
			}
		case "gethostbyaddr", "gethostbyaddr_r":
			l.Name, _ = ev.DetailString("canonname")
			if ip, ok := ev.DetailString("addr", "ip"); ok {
				l.IPs = []string{ip}
			}
		default: // getaddrinfo, gethostbyname*, android_getaddrinfofornet*
			l.Name, _ = ev.DetailString("name")
			addrs, _ := ev.Detail("addresses")
			list, _ := addrs.([]any)
			for _, a := range list {
				if m, ok := a.(map[string]any); ok {
					if ip, ok := m["ip"].(string); ok {
						l.IPs = append(l.IPs, ip)
					}
				}
			}
		}
		if l.Name != "" && len(l.IPs) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// NameOf returns the name that produced ip in this process: the latest
// successful lookup returning ip that ended at or before atUsec (pass the
// connect's timestamp). ok is false when no lookup of the process gave ip
// by then (a literal address, or a name resolved by another process). An
// IPv4-mapped IPv6 address (Java connects AF_INET6 sockets to
// ::ffff:a.b.c.d) matches its IPv4 address.
func (p *Process) NameOf(ip string, atUsec int64) (name string, ok bool) {
	want := net.ParseIP(ip)
	var best int64 = -1
	for _, l := range p.Lookups() {
		if l.TimestampUsec > atUsec || l.TimestampUsec < best {
			continue
		}
		for _, a := range l.IPs {
			if a == ip || (want != nil && want.Equal(net.ParseIP(a))) {
				name, ok, best = l.Name, true, l.TimestampUsec
				break
			}
		}
	}
	return name, ok
}

// PeerName returns the host name behind the address a socket connected to
// (its first successful connect), as NameOf finds it.
func (p *Process) PeerName(s *Socket) (name string, ok bool) {
	for _, ev := range s.OfType("connect") {
		if !ev.Success && ev.Errno != "EINPROGRESS" {
			continue
		}
		ip, found := ev.DetailString("addr", "ip")
		if !found {
			continue
		}
		return p.NameOf(ip, ev.TimestampUsec)
	}
	return "", false
}
