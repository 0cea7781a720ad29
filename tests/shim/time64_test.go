package shim_test

import (
	"strings"
	"testing"
)

// A program built with 64-bit time_t: on a 32-bit glibc every call below
// goes through its time64 entry point (__select64, __recvmsg64, ...), which
// the shim must hook like the usual one. On 64-bit targets the flags change
// nothing and the test checks the same calls.
func TestTime64EntryPoints(t *testing.T) {
	prog := build(t, "time64", "-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64")
	if tgt.name == "linux-i386" {
		syms := undefinedSymbols(t, prog)
		for _, s := range []string{"__select64", "__pselect64", "__ppoll64", "__recvmsg64", "__sendmsg64",
			"__recvmmsg64", "__sendmmsg64", "__getsockopt64", "__setsockopt64", "__fcntl_time64", "__ioctl_time64"} {
			if !strings.Contains(syms, " "+s+"@") {
				t.Errorf("the program does not call %s: the test would not exercise its hook\n%s", s, syms)
			}
		}
	}
	r := run(t, prog, nil)
	p := r.proc(t)
	tx, rx := sock(t, p, 0), sock(t, p, 1)
	ev := expectCall(t, r, rx, "setsockopt", 0, "")
	detailStr(t, ev, "SO_RCVTIMEO", "optname")
	detailInt(t, ev, 5, "optval", "tv_sec")
	detailInt(t, ev, 250000, "optval", "tv_usec")
	ev = expectCall(t, r, rx, "getsockopt", 0, "")
	detailStr(t, ev, "SO_RCVTIMEO", "optname")
	detailInt(t, ev, r.fact(t, "got_sec"), "optval", "tv_sec")
	detailInt(t, ev, r.fact(t, "got_usec"), "optval", "tv_usec")
	expectCall(t, r, rx, "fcntl", 0, "")
	ev = expectCall(t, r, rx, "ioctl", 0, "")
	detailInt(t, ev, 3, "arg")
	ev = expectCall(t, r, tx, "sendmsg", 0, "")
	detailInt(t, ev, 3, "bytes")
	ev = expectCall(t, r, rx, "select", 0, "")
	detailInt(t, ev, 3, "timeout", "seconds")
	ev = expectCall(t, r, rx, "pselect", 0, "")
	detailInt(t, ev, 4, "timeout", "seconds")
	detailInt(t, ev, 9, "timeout", "nanoseconds")
	ev = expectCall(t, r, rx, "ppoll", 0, "")
	detailInt(t, ev, 2, "timeout", "seconds")
	detailInt(t, ev, 5000, "timeout", "nanoseconds")
	ev = expectCall(t, r, rx, "recvmsg", 0, "")
	if ev.ReturnValue != 3 {
		t.Errorf("recvmsg: return_value %d, want 3", ev.ReturnValue)
	}
	ev = expectCall(t, r, tx, "sendmmsg", 0, "")
	mmsgBytes(t, ev, []int64{1, 2})
	ev = expectCall(t, r, rx, "recvmmsg", 0, "")
	mmsgBytes(t, ev, []int64{1, 2})
	detailInt(t, ev, 7, "timeout", "seconds")
	detailInt(t, ev, 500, "timeout", "nanoseconds")
}
