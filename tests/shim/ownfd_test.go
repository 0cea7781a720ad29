package shim_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestDup2OverShimFiles: a program dup2s its file onto the top 40 numbers
// of its fd range (where the shim keeps its own files), writes through each
// and closes it, while another thread's traffic keeps the writer appending
// to the spool every millisecond. The shim's file must move out of the way
// first: before, the writer's appends landed in the program's file (or
// failed with EBADF once the program closed the number) and events were
// lost. The program's file holds exactly its own bytes, failed dup2s fail
// as they would untraced, and every send is in the trace.
func TestDup2OverShimFiles(t *testing.T) {
	prog := build(t, "ownfdsweep")
	r := run(t, prog, opts{"T": "1"})
	p := r.proc(t)
	if r.fact(t, "sweeps") < 2 {
		t.Fatalf("the program swept its top numbers %d times while the traffic ran: the test proves nothing", r.fact(t, "sweeps"))
	}
	if n := r.fact(t, "file_foreign"); n != 0 {
		t.Errorf("the program's file holds %d bytes it did not write (the shim's appends landed in it)", n)
	}
	if got, want := r.fact(t, "file_bytes"), r.fact(t, "program_writes"); got != want {
		t.Errorf("the program's file holds %d bytes, the program wrote %d", got, want)
	}
	if n := r.fact(t, "bad_dup_errors"); n != 0 {
		t.Errorf("%d dup2s from a closed fd onto the shim's numbers did not fail with EBADF", n)
	}
	if strings.Contains(p.Logs, "cannot write") || strings.Contains(p.Logs, "cannot open") {
		t.Errorf("the shim could not write its files:\n%s", p.Logs)
	}
	for i := 0; i < 20; i++ {
		sent := r.fact(t, fmt.Sprintf("sends_%d", i))
		s := sock(t, p, 2*i) // each pair: its sender, then its receiver
		if n := len(s.OfType("send")); int64(n) != sent {
			t.Errorf("pair %d: %d send events in the trace, the program sent %d", i, n, sent)
		}
		if n := len(sock(t, p, 2*i+1).OfType("recv")); int64(n) != sent {
			t.Errorf("pair %d: %d recv events in the trace, the program received %d", i, n, sent)
		}
	}
}
