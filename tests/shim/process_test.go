package shim_test

// Processes, threads, signals and exit paths.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// canExecGuest tells whether a traced program can execve another program of
// the target (under qemu-user that needs binfmt_misc).
func canExecGuest(t *testing.T) {
	t.Helper()
	if tgt.runner == nil {
		return
	}
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/qemu-aarch64"); err != nil {
		t.Skip("exec of an aarch64 program from qemu-user needs binfmt_misc qemu-aarch64")
	}
}

func allEvents(p *tracefile.Process) []tracefile.Event {
	var out []tracefile.Event
	for _, s := range p.Sockets {
		out = append(out, s.Events...)
	}
	return out
}

func TestFork(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks (cpu_exec: assertion cpu == current_cpu); the shim has a writer thread")
	prog := build(t, "fork")
	r := run(t, prog, nil)
	procs := r.trace.ProcessesOf("fork")
	if len(procs) != 2 {
		t.Fatalf("want 2 process directories fork_000, fork_001, got %s", r.procNames())
	}
	parent, child := procs[0], procs[1]
	ppid, cpid := r.fact(t, "parent_pid"), r.fact(t, "child_pid")
	for _, ev := range allEvents(parent) {
		if ev.ThreadID != ppid {
			t.Errorf("parent dir has an event of thread %d (%s), want %d", ev.ThreadID, ev.Type, ppid)
		}
	}
	// The parent's client socket: its own two sends, not the child's.
	ps := sock(t, parent, 1)
	if n := len(ps.OfType("send")); n != 2 {
		t.Errorf("parent socket 1: %d sends, want 2 (%v)", n, ps.Types())
	}
	if len(child.Sockets) != 4 {
		t.Fatalf("child: want 3 inherited sockets + 1 new, got %d", len(child.Sockets))
	}
	sends := 0
	for i := 0; i < 3; i++ {
		s := sock(t, child, i)
		first := s.Events[0]
		if first.Type != "forked_socket" || !first.FakeCall {
			t.Errorf("child socket %d: first event %s fake_call=%v, want forked_socket, true", i, first.Type, first.FakeCall)
		}
		if _, ok := first.Detail("sock_info", "domain"); !ok {
			t.Errorf("child socket %d: forked_socket without sock_info", i)
		}
		for _, ev := range s.Events {
			if ev.ThreadID != cpid {
				t.Errorf("child event %s of thread %d, want %d", ev.Type, ev.ThreadID, cpid)
			}
		}
		for _, ev := range s.OfType("send") {
			sends++
			detailInt(t, ev, 5, "bytes")
		}
	}
	if sends != 1 {
		t.Errorf("child: %d send events, want 1", sends)
	}
	// Where each inherited socket is bound and connected, as the program
	// itself saw its sockets (getsockname in tcp_pair): the child's file
	// of a server's connection names its peer.
	lport, cport := r.fact(t, "listen_port"), r.fact(t, "client_port")
	found := func(i int) tracefile.Event { return sock(t, child, i).Events[0] }
	addr(t, found(0), "AF_INET", lport, "sockname")
	addr(t, found(1), "AF_INET", cport, "sockname")
	addr(t, found(1), "AF_INET", lport, "peername")
	addr(t, found(2), "AF_INET", lport, "sockname")
	addr(t, found(2), "AF_INET", cport, "peername")
	for i, want := range []bool{true, false, false} {
		got, _ := found(i).DetailBool("listening")
		if _, hasPeer := found(i).Detail("peername"); got != want || hasPeer == want {
			t.Errorf("child socket %d: listening %v, peername given %v; want listening %v", i, got, hasPeer, want)
		}
	}
	ns := sock(t, child, 3)
	if got := strings.Join(ns.Types(), ","); got != "socket,close" {
		t.Errorf("child's own socket: events %s, want socket,close", got)
	}
}

func TestExec(t *testing.T) {
	canExecGuest(t)
	prog, target := build(t, "exec"), build(t, "execd")
	r := run(t, prog, nil, target)
	before := r.trace.ProcessesOf("exec")
	after := r.trace.ProcessesOf("execd")
	if len(before) != 1 || len(after) != 1 {
		t.Fatalf("want exec_000 and execd_000, got %s", r.procNames())
	}
	// Nothing recorded before exec is lost.
	expectCall(t, r, sock(t, before[0], 1), "send", 0, "")
	a := after[0]
	if len(a.Sockets) != 2 {
		t.Fatalf("execd: want 2 sockets (inherited, own), got %d", len(a.Sockets))
	}
	inh := sock(t, a, 0)
	if first := inh.Events[0]; !first.FakeCall || first.Type != "ghost_socket" {
		t.Errorf("inherited socket after exec starts with %s (fake %v), want ghost_socket", first.Type, first.FakeCall)
	} else {
		addr(t, first, "AF_INET", r.fact(t, "client_port"), "sockname")
		addr(t, first, "AF_INET", r.fact(t, "listen_port"), "peername")
	}
	expectCallAt(t, r, inh, "send", 1, 0, "")
	own := sock(t, a, 1)
	expectCall(t, r, own, "socket", 0, "")
	ev := expectCall(t, r, own, "sendto", 0, "")
	addr(t, ev, "AF_INET", 9)
	pid := r.fact(t, "execd_pid")
	for _, ev := range allEvents(a) {
		if ev.ThreadID != pid {
			t.Errorf("execd event %s thread %d, want %d", ev.Type, ev.ThreadID, pid)
		}
	}
}

func TestSpawn(t *testing.T) {
	canExecGuest(t)
	prog, target := build(t, "spawn"), build(t, "execd")
	for _, mode := range []string{"vfork", "posix_spawn"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := run(t, prog, nil, mode, target)
			if st := r.fact(t, "child_status"); st != 0 {
				t.Fatalf("child exit status %d", st)
			}
			parent := r.trace.ProcessesOf("spawn")
			child := r.trace.ProcessesOf("execd")
			if len(parent) < 1 || len(child) != 1 {
				t.Fatalf("want spawn_000 and execd_000, got %s", r.procNames())
			}
			// A vfork child that only execs may leave a directory of its
			// own, but then with nothing but its inherited sockets.
			for _, extra := range parent[1:] {
				for _, ev := range allEvents(extra) {
					if ev.Type != "forked_socket" {
						t.Errorf("%s (the %s child before exec): unexpected %s event", extra.Name, mode, ev.Type)
					}
				}
			}
			ps := sock(t, parent[0], 1)
			if n := len(ps.OfType("send")); n != 1 {
				t.Errorf("parent socket 1: %d sends, want 1 (the child's send must not be here): %v", n, ps.Types())
			}
			expectCall(t, r, sock(t, child[0], 0), "send", 0, "")
			expectCall(t, r, sock(t, child[0], 1), "sendto", 0, "")
		})
	}
}

func TestThreads(t *testing.T) {
	prog := build(t, "threads")
	r := run(t, prog, nil)
	p := r.proc(t)
	tids := map[int64]bool{}
	for _, id := range r.facts["tid"] {
		tids[id] = true
	}
	if len(tids) != 8 {
		t.Fatalf("program printed %d distinct thread ids, want 8", len(tids))
	}
	if len(p.Sockets) != 9 {
		t.Fatalf("want 9 socket files, got %d", len(p.Sockets))
	}
	seen := map[int64]bool{}
	for i := 1; i <= 8; i++ {
		s := sock(t, p, i)
		tid := s.Events[0].ThreadID
		if !tids[tid] || seen[tid] {
			t.Errorf("socket %d: thread %d is not a fresh worker thread", i, tid)
		}
		seen[tid] = true
		for _, ev := range s.Events {
			if ev.ThreadID != tid {
				t.Errorf("socket %d: event %s of thread %d, want %d", i, ev.Type, ev.ThreadID, tid)
			}
		}
		want := "socket,connect," + strings.Repeat("send,", 50) + "close"
		if got := strings.Join(s.Types(), ","); got != want {
			t.Errorf("socket %d: events %s\nwant %s", i, got, want)
		}
	}
}

func TestSignalHandlerCallsSend(t *testing.T) {
	prog := build(t, "signal")
	r := run(t, prog, nil, "20000")
	s := sock(t, r.proc(t), 0)
	main, handler := r.fact(t, "main_sends"), r.fact(t, "handler_sends")
	var big, small int64
	for _, ev := range s.OfType("send") {
		if b, _ := ev.DetailInt("bytes"); b == 1 {
			small++
		} else {
			big++
		}
	}
	if big != main || small != handler {
		t.Errorf("recorded %d loop sends and %d handler sends, program made %d and %d", big, small, main, handler)
	}
	if handler < 20 {
		t.Errorf("the handler sent %d times, the program waits for 20: the timer did not interrupt the loop", handler)
	}
}

// TestExitPaths: every recorded call survives each way a process can end.
func TestExitPaths(t *testing.T) {
	prog := build(t, "exits")
	const n = "3000"
	for _, mode := range []string{"return", "exit", "_exit", "_Exit", "exec"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			if mode == "exec" {
				canExecGuest(t)
			}
			r := run(t, prog, opts{"T": "100000"}, mode, n, prog)
			p := r.trace.ProcessesOf("exits")
			if len(p) == 0 {
				t.Fatalf("no process directory: %s", r.procNames())
			}
			got := len(sock(t, p[0], 0).OfType("send"))
			if want := r.fact(t, "sends"); int64(got) != want {
				t.Errorf("%d send events recorded, program made %d", got, want)
			}
		})
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			r := runThenSignal(t, prog, opts{"T": "100000"}, sig, "wait", n)
			got := len(sock(t, r.proc(t), 0).OfType("send"))
			if want := r.fact(t, "sends"); int64(got) != want {
				t.Errorf("killed by %v: %d send events recorded, program made %d", sig, got, want)
			}
		})
	}
}

// After SIGKILL nothing can be flushed: what was recorded more than one
// flush period (-t) before the kill must already be on disk.
func TestSIGKILLLosesAtMostTheLastPeriod(t *testing.T) {
	prog := build(t, "exits")
	const period = 100 * time.Millisecond
	r := runThenSignalAfter(t, prog, opts{"T": "100"}, syscall.SIGKILL, 10*period, "wait", "3000")
	got := len(sock(t, r.proc(t), 0).OfType("send"))
	if want := r.fact(t, "sends"); int64(got) != want {
		t.Errorf("killed %v after its last call, with -t %v: %d send events on disk, program made %d",
			10*period, period, got, want)
	}
}

// runThenSignal starts the program, waits for its "ready" line, sends sig
// from outside (any thread may receive it) and checks it died of it.
func runThenSignal(t *testing.T, prog string, o opts, sig syscall.Signal, args ...string) *result {
	t.Helper()
	return runThenSignalAfter(t, prog, o, sig, 10*time.Millisecond, args...)
}

// runThenSignalAfter is runThenSignal, waiting delay after "ready".
func runThenSignalAfter(t *testing.T, prog string, o opts, sig syscall.Signal, delay time.Duration, args ...string) *result {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(ctx, prog, o, dir, args...)
	var errb strings.Builder
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(pipe)
	ready := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == "ready" {
			ready = true
			break
		}
	}
	if !ready {
		cmd.Wait()
		t.Fatalf("program never got ready:\n%s\n%s", out.String(), errb.String())
	}
	time.Sleep(delay) // let it block in pause()
	cmd.Process.Signal(sig)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	werr := cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("program did not die of %v within %v (deadlock in the shim's signal path?)", sig, runTimeout)
	}
	if tgt.runner == nil {
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != sig {
			t.Errorf("program ended with %v, want death by %v (the shim must re-raise the default action)", werr, sig)
		}
	}
	return finish(t, dir, out.String(), errb.String(), nil)
}

func TestGhostSocket(t *testing.T) {
	prog := build(t, "ghost")
	r := run(t, prog, nil)
	s := sock(t, r.proc(t), 0)
	first := s.Events[0]
	if first.Type != "ghost_socket" || !first.FakeCall {
		t.Fatalf("first event %s (fake %v), want ghost_socket; events %v", first.Type, first.FakeCall, s.Types())
	}
	sockInfo(t, first, "AF_INET", "SOCK_DGRAM", false, false)
	ev := expectCall(t, r, s, "sendto", 0, "")
	addr(t, ev, "AF_INET", 9)
	expectCall(t, r, s, "close", 0, "")
}

func TestNotInternetSocketsAreNotTraced(t *testing.T) {
	prog := build(t, "nontraced")
	for _, mode := range []string{"all", "files"} {
		r := run(t, prog, nil, mode)
		noSockets(t, r)
		for _, c := range r.calls {
			if c.ret != -1 || c.errno != "EBADF" {
				t.Errorf("bad-fd call %v: want -1 EBADF (errno preserved)", c)
			}
		}
	}
}

func TestCloseRange(t *testing.T) {
	prog := build(t, "closerange")
	for _, mode := range []string{"close_range", "closefrom"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			r := run(t, prog, nil, mode)
			p := r.proc(t)
			for i := 0; i < 5; i++ {
				s := sock(t, p, i)
				if n := len(s.OfType("close")); n != 1 {
					t.Errorf("socket %d: %d close events after %s, want 1 (%v)", i, n, mode, s.Types())
				}
			}
			// Tracing survives: the socket opened afterwards is recorded.
			s := sock(t, p, 5)
			expectCall(t, r, s, "socket", 0, "")
			expectCall(t, r, s, "sendto", 0, "")
			if len(p.Sockets) != 6 {
				t.Errorf("want 6 socket files, got %d", len(p.Sockets))
			}
		})
	}
}

var _ = fmt.Sprint

func TestRawSyscallClose(t *testing.T) {
	prog := build(t, "rawclose")
	r := run(t, prog, nil)
	if r.fact(t, "reused") != 1 {
		t.Skip("the kernel did not reuse the fd number; the check needs it")
	}
	p := r.proc(t)
	if len(p.Sockets) != 1 {
		t.Fatalf("%d socket files, want 1", len(p.Sockets))
	}
	s := sock(t, p, 0)
	if got := strings.Join(s.Types(), " "); got != "socket sendto close" {
		t.Fatalf("events %q, want \"socket sendto close\" (the file's write must not be taken for the socket)", got)
	}
	expectCall(t, r, s, "close", 0, "")
}

// A program that sets RLIMIT_FSIZE to 0 (sshd's sandbox) made the shim's
// next write to a trace file raise SIGXFSZ, which killed it; now the
// events before and after the limit are all in the trace and the program
// exits 0 with nothing on stderr.
func TestFileSizeLimitKeepsTrace(t *testing.T) {
	prog := build(t, "fsizelimit")
	r := run(t, prog, opts{"T": "1"})
	if r.fact(t, "received") != 253 {
		t.Fatalf("the program received %d bytes, want 253", r.fact(t, "received"))
	}
	s := sock(t, r.proc(t), 1)
	var sends, bytes int64
	for _, ev := range s.Events {
		if ev.Type == "send" && ev.Success {
			sends++
			bytes += ev.ReturnValue
		}
	}
	if sends != 51 || bytes != 253 {
		t.Fatalf("the trace holds %d sends moving %d bytes, the program made 51 moving 253; events %v", sends, bytes, s.Types())
	}
}

// A program that chroots where the trace directory does not exist lost
// its whole trace (the spool is opened by path at the next write); the
// shim now reaches it through the directory's fd opened before.
func TestChrootKeepsTrace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	prog := build(t, "chroot")
	r := run(t, prog, nil, t.TempDir())
	s := sock(t, r.proc(t), 1)
	var bytes int64
	for _, ev := range s.OfType("send") {
		bytes += ev.ReturnValue
	}
	if len(s.OfType("send")) != 2 || bytes != 8 {
		t.Fatalf("the trace holds %d sends moving %d bytes, the program made 2 moving 8; events %v", len(s.OfType("send")), bytes, s.Types())
	}
}

// A file size limit inherited across exec (`ulimit -f 20`: 20 KiB)
// and a trace that outgrows it: the shim's write past the limit raised
// SIGXFSZ at exit and killed the program. Now the writes that would pass
// the limit are skipped: the program exits 0, and the shim says once on
// stderr that events are lost.
func TestInheritedFileSizeLimitDoesNotKill(t *testing.T) {
	skipUnderQemu(t, "the program execs itself (an aarch64 program) to start with the limit: needs binfmt_misc qemu-aarch64")
	prog := build(t, "fsizelimit")
	r := runMay(t, prog, nil, "inherited", "2000")
	if r.exitErr != nil {
		t.Fatalf("the program under a 20 KiB file size limit: %v; stderr %q", r.exitErr, r.stderr)
	}
	if r.fact(t, "received") != 3+2000*5 {
		t.Fatalf("the program received %d bytes, want %d", r.fact(t, "received"), 3+2000*5)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "file size limit") {
		t.Fatalf("stderr %q, want one line about the file size limit", r.stderr)
	}
}

// clone() children that no fork handler sees (shim/tests/clonetls.c).
// "tls": Chromium's sandbox chroots its zygote from a child that shares
// the parent's memory and has a fresh, zeroed TLS block, and leaves
// through _exit; the shim's _exit hook used to reach its per-thread state
// through that TLS and crash the child (SIGSEGV), so the zygote died and
// Chromium aborted ("Zygote process exited prematurely"). "plain": a raw
// clone with SIGCHLD (Chromium's ForkWithFlags) copies the parent's
// memory; its _exit used to write the parent's waiting events a second
// time into the parent's directory.
func TestCloneChildren(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 refuses clone() flags other than fork's and a thread's (EINVAL)")
	prog := build(t, "clonetls")
	for _, mode := range []string{"tls", "plain"} {
		t.Run(mode, func(t *testing.T) {
			if mode == "tls" && tgt.name == "linux-i386" {
				t.Skip("Chromium shares memory with a TLS-less child only on x86_64 and ARM (on i386 glibc makes system calls through TLS)")
			}
			r := run(t, prog, nil, mode)
			st := syscall.WaitStatus(r.fact(t, "child_status"))
			if !st.Exited() || st.ExitStatus() != 7 {
				if st.Signaled() {
					t.Fatalf("the clone child was killed by %v; it should have exited 7", st.Signal())
				}
				t.Fatalf("the clone child ended with status %#x, want exit 7", int(st))
			}
			procs := r.trace.ProcessesOf("clonetls")
			if len(procs) == 0 {
				t.Fatalf("no process directory: %s", r.procNames())
			}
			if got := len(sock(t, procs[0], 0).OfType("send")); int64(got) != r.fact(t, "sends") {
				t.Errorf("%d sends recorded in %s, the program made %d", got, procs[0].Name, r.fact(t, "sends"))
			}
		})
	}
}

// A program that installs a seccomp filter (Chromium's renderers) may be
// killed for a system call the shim makes on its behalf: the shim used to
// classify an fd it had not seen made with getsockopt(SO_DOMAIN), which
// Chromium's policy answers with SIGSYS, so every renderer crashed and the
// browser hung. After the filter the shim classifies nothing more; the
// sockets it knew stay traced.
func TestSeccompFilteredProgram(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 implements neither seccomp() nor prctl(PR_SET_SECCOMP) filters")
	prog := build(t, "seccomp")
	for _, how := range []string{"prctl", "seccomp"} {
		t.Run(how, func(t *testing.T) {
			r := run(t, prog, nil, how)
			if n := r.fact(t, "unix_bytes"); n != 3 {
				t.Errorf("the unix socket pair moved %d bytes, want 3", n)
			}
			if got := len(sock(t, r.proc(t), 0).OfType("send")); int64(got) != r.fact(t, "sends") {
				t.Errorf("%d sends recorded after the filter, the program made %d", got, r.fact(t, "sends"))
			}
		})
	}
}

// Node.js dies of SIGINT and SIGTERM through a handler of its own,
// installed with SA_RESETHAND, that raises the signal again: the default
// action then ended the process without the shim's final pass, so a node
// program stopped with Ctrl-C lost up to a write period of events (all of
// them in its first second: "no internet socket was recorded").
func TestResetHandHandlerThenDefaultDeath(t *testing.T) {
	prog := build(t, "resethand")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			r := runThenSignal(t, prog, opts{"T": "100000"}, sig, "300")
			got := len(sock(t, r.proc(t), 0).OfType("send"))
			if want := r.fact(t, "sends"); int64(got) != want {
				t.Errorf("killed by %v through the program's SA_RESETHAND handler: %d send events recorded, program made %d", sig, got, want)
			}
		})
	}
}

// A program under a file size limit of 0 whose events outgrow the spool's
// mapped tail (32 MiB): they were dropped uncounted, and its summary line
// could not be written (logs.txt is a file too), so nothing told the user
// the trace was cut. Now the tail stops at the first record that does not
// fit, every event after it is counted as dropped, and the shim's log
// lines (the warning and the summary) are kept in the tail itself, for
// logs.txt.
func TestFileSizeLimitSpoolFull(t *testing.T) {
	const n = 80000 // 160 000 events of ~330 bytes: past 32 MiB
	prog := build(t, "fsizelimit")
	r := run(t, prog, nil, "flood", strconv.Itoa(n))
	if r.fact(t, "sends") != n || r.fact(t, "recvs") != n {
		t.Fatalf("the program made %d sends and %d recvs, want %d each", r.fact(t, "sends"), r.fact(t, "recvs"), n)
	}
	p := r.proc(t)
	sends, recvs := len(sock(t, p, 1).OfType("send")), len(sock(t, p, 2).OfType("recv"))
	inTrace := 0
	for _, s := range p.Sockets {
		inTrace += len(s.Events)
	}
	if !strings.Contains(p.Logs, "the spool's mapped tail") {
		t.Fatalf("logs.txt says nothing of the full tail (sends %d, recvs %d in the trace):\n%s", sends, recvs, p.Logs)
	}
	m := regexp.MustCompile(`tcpsnitch: (\d+) events recorded, (\d+) dropped`).FindStringSubmatch(p.Logs)
	if m == nil {
		t.Fatalf("no summary line in logs.txt:\n%s", p.Logs)
	}
	recorded, _ := strconv.Atoi(m[1])
	dropped, _ := strconv.Atoi(m[2])
	if recorded != inTrace {
		t.Errorf("the summary says %d events recorded, the trace holds %d", recorded, inTrace)
	}
	if lost := 2*n - sends - recvs; dropped != lost || lost == 0 {
		t.Errorf("the summary says %d events dropped; %d of the program's sends and recvs are not in the trace", dropped, lost)
	}
	// Nothing is kept after the first loss: both sockets stop short (the
	// program went on with both after the tail filled).
	if sends == 0 || sends >= n || recvs == 0 || recvs >= n {
		t.Errorf("the trace keeps %d sends and %d recvs of %d each: each socket should keep the start of its events and lose the end", sends, recvs, n)
	}
}
