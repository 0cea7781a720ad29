package shim_test

// The races of issue 3, run many times.

import (
	"strconv"
	"strings"
	"testing"
)

// TestChurnCloseRace: 8 threads open and close TCP connections; fds are
// reused between a close and its recording. No crash, and every socket's
// file is complete and closed exactly once by the thread that owns it.
// Always churnRuns runs (a time budget cut it to 2 or 3 on a loaded
// machine); each run is short, so the race gets many fresh starts.
func TestChurnCloseRace(t *testing.T) {
	prog := build(t, "churn")
	const churnRuns = 20
	for runs := 1; runs <= churnRuns; runs++ {
		r := run(t, prog, nil, "50")
		p := r.proc(t)
		conns := int(r.fact(t, "connections"))
		if want := 1 + 2*conns; len(p.Sockets) != want {
			t.Fatalf("run %d: %d socket files, want %d", runs, len(p.Sockets), want)
		}
		clients, accepted := 0, 0
		for _, s := range p.Sockets[1:] {
			types := strings.Join(s.Types(), ",")
			switch types {
			case "socket,connect,send,close":
				clients++
			case "accept,close":
				accepted++
			default:
				t.Fatalf("run %d: socket %d has events %s", runs, s.Index, types)
			}
			tid := s.Events[0].ThreadID
			for _, ev := range s.Events {
				if ev.ThreadID != tid {
					t.Fatalf("run %d: socket %d: %s by thread %d, socket owned by %d", runs, s.Index, ev.Type, ev.ThreadID, tid)
				}
			}
		}
		if clients != conns || accepted != conns {
			t.Fatalf("run %d: %d client and %d accepted sockets, want %d each", runs, clients, accepted, conns)
		}
	}
}

// TestForkWhileBusy: fork while threads (and the shim's writer, every 1 ms)
// are busy. No child may hang; each child's send is recorded.
func TestForkWhileBusy(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks (cpu_exec: assertion cpu == current_cpu); the shim has a writer thread")
	prog := build(t, "forkbusy")
	r := run(t, prog, opts{"T": "1"}, "50")
	if d := r.fact(t, "deadlock"); d != 0 {
		t.Fatalf("%d of 50 forked children hung", d)
	}
	if ok := r.fact(t, "children_ok"); ok != 50 {
		t.Fatalf("%d of 50 children exited cleanly", ok)
	}
	children := r.trace.ProcessesOf("forkbusy")
	if len(children) != 51 {
		t.Fatalf("want 51 process directories, got %d", len(children))
	}
	for _, c := range children[1:] {
		found := 0
		for _, s := range c.Sockets {
			for _, ev := range s.OfType("send") {
				if b, _ := ev.DetailInt("bytes"); b == 5 {
					found++
				}
			}
		}
		if found != 1 {
			t.Errorf("%s: %d child sends recorded, want 1", c.Name, found)
		}
	}
}

// Threads that fork at the same time: glibc runs their fork handlers
// concurrently, and the shim's "locks taken for this fork" flag was one
// for the whole process: the first thread's parent handler cleared it, the
// second thread then kept every lock of the shim after its fork, and the
// next fork, writer pass or exit of the process hung for good.
func TestConcurrentForks(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks (cpu_exec: assertion cpu == current_cpu)")
	prog := build(t, "forkmany")
	const threads, each = 4, 20
	r := run(t, prog, nil, strconv.Itoa(threads), strconv.Itoa(each))
	if ok := r.fact(t, "children_ok"); ok != threads*each {
		t.Fatalf("%d of %d children exited cleanly", ok, threads*each)
	}
	children := r.trace.ProcessesOf("forkmany")
	if len(children) != threads*each+1 {
		t.Fatalf("want %d process directories, got %d", threads*each+1, len(children))
	}
	for _, c := range children[1:] {
		sends := 0
		for _, s := range c.Sockets {
			sends += len(s.OfType("send"))
		}
		if sends != 1 {
			t.Errorf("%s: %d sends recorded, the child made 1", c.Name, sends)
		}
	}
}
