package shim_test

// _FORTIFY_SOURCE entry points are recorded under the plain call's name.

import "testing"

func TestFortifyEntryPoints(t *testing.T) {
	prog := build(t, "fortify", "-O2", "-D_FORTIFY_SOURCE=2")
	syms := undefinedSymbols(t, prog)
	for _, s := range []string{"__recv_chk", "__recvfrom_chk", "__read_chk", "__poll_chk", "__ppoll_chk"} {
		if !containsSym(syms, s) {
			t.Errorf("fortified program does not call %s; test program needs fixing\n%s", s, syms)
		}
	}
	r := run(t, prog, nil, "8")
	s := sock(t, r.proc(t), 1)
	for _, typ := range []string{"poll", "ppoll", "recv", "recvfrom", "read"} {
		ev := expectCall(t, r, s, typ, 0, "")
		if typ == "recv" || typ == "recvfrom" || typ == "read" {
			detailInt(t, ev, 8, "bytes")
		}
	}
}
