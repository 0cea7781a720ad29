package importer

import (
	"bytes"
	"encoding/json"
	"net"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

var (
	sendTypes = map[string]bool{"send": true, "sendto": true, "sendmsg": true, "sendmmsg": true,
		"write": true, "writev": true, "sendfile": true}
	recvTypes = map[string]bool{"recv": true, "recvfrom": true, "recvmsg": true, "recvmmsg": true,
		"read": true, "readv": true}
	// Events whose address is the peer's.
	peerTypes = map[string]bool{"connect": true, "accept": true, "accept4": true, "sendto": true,
		"recvfrom": true, "sendmsg": true, "recvmsg": true, "getpeername": true}
)

// peekFlag marks a receive that left its bytes in the socket (they are
// counted when read), as both the shim and the original write it.
var peekFlag = []byte(`"MSG_PEEK": true`)

// detailsOfInterest is the part of details the socket summary reads; only
// the events that can carry it are decoded.
type detailsOfInterest struct {
	SockInfo *struct {
		Domain   string `json:"domain"`
		Type     string `json:"type"`
		Protocol any    `json:"protocol"`
	} `json:"sock_info"`
	Addr *struct {
		IP   string `json:"ip"`
		Port any    `json:"port"`
	} `json:"addr"`
	// A forked_socket's or ghost_socket's peer (the socket was found
	// connected: a forked server's connection).
	Peername *struct {
		IP   string `json:"ip"`
		Port any    `json:"port"`
	} `json:"peername"`
	Mmsg []struct {
		Transmitted int64 `json:"transmitted_bytes"`
	} `json:"mmsghdr_vec"`
}

// summarise folds one event into its socket's summary.
func summarise(k *store.Socket, e *tracefile.RawEvent) {
	k.Events++
	c := k.Types[e.Type]
	if c == nil {
		if k.Types == nil {
			k.Types = map[string]*store.TypeCount{}
		}
		c = &store.TypeCount{}
		k.Types[e.Type] = c
	}
	c.Calls++
	if !e.Success {
		c.Failures++
	}
	if k.Events == 1 {
		k.FirstUsec = e.TimestampUsec
	}
	if e.TimestampUsec > k.LastUsec {
		k.LastUsec = e.TimestampUsec
	}
	first := k.Events == 1
	// An accept names a peer only as the first event of the accepted
	// socket's own file; on the listening socket it is a connection of
	// another file.
	peer := peerTypes[e.Type] && (first || (e.Type != "accept" && e.Type != "accept4"))
	mmsg := e.Type == "sendmmsg" || e.Type == "recvmmsg"
	if e.Success && !mmsg {
		if sendTypes[e.Type] && e.ReturnValue > 0 {
			k.BytesSent += e.ReturnValue
		} else if recvTypes[e.Type] && e.ReturnValue > 0 && !bytes.Contains(e.Details, peekFlag) {
			k.BytesRecv += e.ReturnValue
		}
	}
	if !first && !peer && !mmsg {
		return
	}
	var d detailsOfInterest
	if json.Unmarshal(e.Details, &d) != nil {
		return
	}
	if d.SockInfo != nil && k.Domain == "" {
		k.Domain, k.Type = d.SockInfo.Domain, d.SockInfo.Type
		switch p := d.SockInfo.Protocol.(type) {
		case string:
			k.Protocol = p
		case float64:
			k.Protocol = jsonNum(p)
		}
	}
	if e.Success && mmsg {
		for _, m := range d.Mmsg {
			if e.Type == "sendmmsg" {
				k.BytesSent += m.Transmitted
			} else {
				k.BytesRecv += m.Transmitted
			}
		}
	}
	if first && d.Peername != nil && (e.Type == "forked_socket" || e.Type == "ghost_socket") {
		d.Addr, peer = d.Peername, true
	}
	// "Connected to, accepted from, or exchanged datagrams with": a
	// connect in progress counts, a refused one does not.
	if peer && d.Addr != nil && d.Addr.IP != "" && (e.Success || e.Errno == "EINPROGRESS") {
		if k.Peer == "" || (!k.Remote && isRemote(d.Addr.IP)) {
			k.Peer = joinHostPort(d.Addr.IP, d.Addr.Port)
		}
		if isRemote(d.Addr.IP) {
			k.Remote = true
		}
	}
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func joinHostPort(ip string, port any) string {
	p := ""
	switch v := port.(type) {
	case string:
		p = v
	case float64:
		p = jsonNum(v)
	}
	if p == "" {
		return ip
	}
	return net.JoinHostPort(ip, p)
}

// isRemote: not loopback, not unspecified (an unconnected socket's 0.0.0.0).
func isRemote(ip string) bool {
	a := net.ParseIP(ip)
	return a != nil && !a.IsLoopback() && !a.IsUnspecified()
}
