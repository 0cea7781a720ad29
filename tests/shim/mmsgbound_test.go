package shim_test

import "testing"

// recvmmsg that fails records no entries and costs no memory per vlen; one
// that succeeds records the messages it received, not vlen entries.
func TestRecvmmsgFailingKeepsNoEntries(t *testing.T) {
	prog := build(t, "mmsgbound")
	r := run(t, prog, nil, "fail")
	if r.fact(t, "failed") != 2000 {
		t.Fatalf("program: %d of 2000 recvmmsg failed with EAGAIN, want all", r.fact(t, "failed"))
	}
	s := sock(t, r.proc(t), 1)
	evs := s.OfType("recvmmsg")
	if len(evs) != 2002 {
		t.Fatalf("%d recvmmsg events, want 2002", len(evs))
	}
	expectCallAt(t, r, s, "recvmmsg", 1, 2001, "EFAULT")
	expectCall(t, r, s, "recvmsg", 0, "EFAULT")
	for i, ev := range evs[:2000] {
		if v, _ := ev.Detail("mmsghdr_vec"); v == nil || len(v.([]any)) != 0 {
			n := -1
			if a, ok := v.([]any); ok {
				n = len(a)
			}
			t.Fatalf("failed recvmmsg %d: mmsghdr_vec has %d entries, want none", i, n)
		}
		if ev.Errno != "EAGAIN" {
			t.Fatalf("failed recvmmsg %d: errno %q", i, ev.Errno)
		}
		detailInt(t, ev, 1024, "mmsghdr_count")
	}
	ev := expectCallAt(t, r, s, "recvmmsg", 0, 2000, "")
	if ev.ReturnValue != 2 {
		t.Fatalf("program received %d messages, want 2", ev.ReturnValue)
	}
	mmsgBytes(t, ev, []int64{2, 3})
	if v, _ := ev.Detail("mmsghdr_vec"); len(v.([]any)) != 2 {
		t.Errorf("mmsghdr_vec has %d entries, want the 2 received", len(v.([]any)))
	}
	if _, ok := ev.Detail("mmsghdr_vec_missing"); ok {
		t.Errorf("mmsghdr_vec_missing set on a call that kept all its entries")
	}
	// Without tracing this program peaks at ~2 MB; 2 000 calls of 1 024
	// entries each (116 bytes) would hold 237 MB.
	if hwm := r.fact(t, "vm_hwm_kib"); hwm > 48*1024 {
		t.Errorf("peak resident size %d KiB, want under 48 MiB", hwm)
	}
}

// The entries of sendmmsg count against the memory bound: 800 calls of
// 1 024 entries (95 MB if held) stay near the bound (~11 MB of events).
func TestSendmmsgEntriesBounded(t *testing.T) {
	prog := build(t, "mmsgbound")
	r := run(t, prog, nil, "big")
	if r.fact(t, "sent") != 800*1024 {
		t.Fatalf("program sent %d datagrams, want %d", r.fact(t, "sent"), 800*1024)
	}
	evs := sock(t, r.proc(t), 0).OfType("sendmmsg")
	if len(evs) != 800 {
		t.Fatalf("%d sendmmsg events, want 800", len(evs))
	}
	for i, ev := range evs {
		if v, _ := ev.Detail("mmsghdr_vec"); v == nil || len(v.([]any)) != 1024 {
			t.Fatalf("sendmmsg %d: mmsghdr_vec does not hold the 1024 messages sent", i)
		}
	}
	hwm := r.fact(t, "vm_hwm_kib")
	t.Logf("peak resident size %d KiB", hwm)
	if hwm > 40*1024 {
		t.Errorf("peak resident size %d KiB, want under 40 MiB (the bound)", hwm)
	}
}
