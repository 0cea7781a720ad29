package shim_test

// Values whose spelling the original tcpsnitch fixed and analysis code
// relies on (issue 14, item 2); docs/trace-format.md says why each is so.

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// protocolNames reads /etc/protocols, where getprotobynumber looks
// names up on glibc: number -> first name.
func protocolNames(t *testing.T) map[int64]string {
	t.Helper()
	f, err := os.Open("/etc/protocols")
	if err != nil {
		t.Skipf("no /etc/protocols to compare with (%v)", err)
	}
	defer f.Close()
	names := map[int64]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		n, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		if _, seen := names[n]; !seen {
			names[n] = fields[0]
		}
	}
	return names
}

func TestProtocolIsTheOriginalsString(t *testing.T) {
	names := protocolNames(t)
	prog := build(t, "format")
	r := run(t, prog, nil, "protocols")
	p := r.proc(t)
	protos := r.facts["proto"]
	if len(protos) < 3 {
		t.Fatalf("only %d sockets created: %v", len(protos), r.stdout)
	}
	if len(p.Sockets) != len(protos) {
		t.Fatalf("%d socket files for %d sockets", len(p.Sockets), len(protos))
	}
	for i, n := range protos {
		want := strconv.FormatInt(n, 10) // 0 and unknown numbers: the number as text
		if name, ok := names[n]; ok && n != 0 {
			want = name
		}
		ev := event(t, sock(t, p, i), "socket", 0)
		detailStr(t, ev, want, "sock_info", "protocol")
	}
}

func TestNegativeIovcntRecordedAsPassed(t *testing.T) {
	prog := build(t, "format")
	r := run(t, prog, nil, "iovneg")
	p := r.proc(t)
	ev := expectCall(t, r, sock(t, p, 0), "writev", 0, "EINVAL")
	detailInt(t, ev, -1, "iovec", "iovec_count")
	iovecSizes(t, ev, nil, "iovec")
	ev = expectCall(t, r, sock(t, p, 1), "readv", 0, "EINVAL")
	detailInt(t, ev, -1, "iovec", "iovec_count")
}

func TestRecvfromWithoutAddressHasNoAddrKey(t *testing.T) {
	prog := build(t, "sendto")
	r := run(t, prog, nil, "stream", "4")
	ev := expectCall(t, r, sock(t, r.proc(t), 2), "recvfrom", 0, "")
	if v, ok := ev.Detail("addr"); ok {
		t.Errorf("recvfrom(…, NULL, NULL): details.addr = %v, want the key left out (as the original)", v)
	}
	// sendto on a connected stream socket passes no address either.
	ev = expectCall(t, r, sock(t, r.proc(t), 1), "sendto", 0, "")
	if v, ok := ev.Detail("addr"); ok {
		t.Errorf("sendto(…, NULL, 0): details.addr = %v, want the key left out", v)
	}
}

func TestNullTimeoutIsAZeroObject(t *testing.T) {
	prog := build(t, "mmsg")
	r := run(t, prog, nil, "stream")
	ev := expectCall(t, r, sock(t, r.proc(t), 2), "recvmmsg", 0, "")
	detailInt(t, ev, 0, "timeout", "seconds")
	detailInt(t, ev, 0, "timeout", "nanoseconds")
	detailBool(t, ev, true, "no_timeout")
	// A real timeout carries no no_timeout key.
	r = run(t, prog, nil, "dgram")
	ev = expectCall(t, r, sock(t, r.proc(t), 1), "recvmmsg", 0, "")
	if _, ok := ev.Detail("no_timeout"); ok {
		t.Errorf("recvmmsg with a timeout: no_timeout present")
	}
}

func TestFcntlFileStatusFlags(t *testing.T) {
	prog := build(t, "fcntl")
	r := run(t, prog, nil, "stream")
	s := sock(t, r.proc(t), 0)
	get := expectCall(t, r, s, "fcntl", 0, "")
	set := expectCall(t, r, s, "fcntl", 1, "")
	for _, k := range []string{"O_APPEND", "O_ASYNC", "O_DIRECT", "O_NOATIME", "O_NONBLOCK"} {
		// F_GETFL before: a fresh blocking socket has none of them (its
		// return value, O_RDWR, says so too); F_SETFL sets O_NONBLOCK only.
		detailBool(t, get, false, k)
		detailBool(t, set, k == "O_NONBLOCK", k)
	}
	if get.ReturnValue != 2 { // O_RDWR
		t.Errorf("F_GETFL returned %d, want O_RDWR (2)", get.ReturnValue)
	}
	ev := expectCall(t, r, s, "fcntl", 2, "")
	detailStr(t, ev, "F_GETFD", "cmd")
	detailBool(t, ev, false, "O_CLOEXEC")
}

func TestPseudoSocketEventsReturnZero(t *testing.T) {
	// ghost_socket: a socket made by a raw system call, seen at its first call.
	t.Run("ghost", func(t *testing.T) {
		r := run(t, build(t, "ghost"), nil)
		first := sock(t, r.proc(t), 0).Events[0]
		if first.Type != "ghost_socket" || first.ReturnValue != 0 {
			t.Errorf("first event %s return_value %d, want ghost_socket 0 (the original's)", first.Type, first.ReturnValue)
		}
		if fd, ok := first.DetailInt("fd"); !ok || fd < 3 {
			t.Errorf("ghost_socket details.fd %d (present %v), want the socket's fd", fd, ok)
		}
	})
	// forked_socket: the sockets a fork child inherits.
	t.Run("fork", func(t *testing.T) {
		skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks (as TestFork)")
		r := run(t, build(t, "fork"), nil)
		fds := map[int64]bool{}
		for _, p := range r.trace.Processes {
			for _, s := range p.Sockets {
				first := s.Events[0]
				if first.Type != "forked_socket" {
					continue
				}
				if first.ReturnValue != 0 {
					t.Errorf("%s socket %d: forked_socket return_value %d, want 0 (the original's)", p.Name, s.Index, first.ReturnValue)
				}
				fd, ok := first.DetailInt("fd")
				if !ok || fd < 3 {
					t.Errorf("%s socket %d: forked_socket details.fd %d (present %v), want the inherited fd", p.Name, s.Index, fd, ok)
				}
				fds[fd] = true
			}
		}
		if len(fds) != 3 { // the child inherits the listener, the client and the accepted socket
			t.Errorf("forked_socket events name fds %v, want 3 distinct ones", fds)
		}
	})
}
