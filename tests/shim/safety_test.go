package shim_test

// The shim inside real programs: allocators that call hooked functions
// while they start, signal handlers, crashes, forks (issue 13).

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runPreloaded runs prog under the shim with lib preloaded in front of it
// (LD_PRELOAD="lib shim", as a program linked with lib would have it), with
// a short timeout: a hang before main is the failure this looks for.
func runPreloaded(t *testing.T, prog, lib string, args ...string) *result {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := command(ctx, prog, nil, dir, args...)
	for i, e := range cmd.Env {
		if strings.HasPrefix(e, "LD_PRELOAD=") {
			cmd.Env[i] = "LD_PRELOAD=" + lib + " " + tgt.shim
		}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s with %s preloaded: hung (killed after 10 s)\nstdout:\n%s\nstderr:\n%s", filepath.Base(prog),
			filepath.Base(lib), out.String(), errb.String())
	}
	if err != nil {
		t.Fatalf("%s with %s preloaded: %v\nstderr:\n%s", filepath.Base(prog), filepath.Base(lib), err, errb.String())
	}
	return finish(t, dir, out.String(), errb.String(), nil)
}

// TestAllocatorPreloaded: jemalloc starts itself from another library's
// constructor and calls syscall(SYS_close, ...) under its init lock; the
// shim's initialisation, reached from there, must not call malloc back
// (it hung forever before main: Debian's redis-server and redis-cli).
func TestAllocatorPreloaded(t *testing.T) {
	if tgt.name != "linux-x86_64" {
		t.Skip("jemalloc and tcmalloc are installed for x86_64 only (scripts/packages/shim-safety.txt)")
	}
	prog := build(t, "rw")
	for _, lib := range []string{"libjemalloc.so.2", "libtcmalloc_minimal.so.4"} {
		t.Run(lib, func(t *testing.T) {
			path := filepath.Join("/usr/lib/x86_64-linux-gnu", lib)
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("%s missing: install the packages of scripts/packages/shim-safety.txt (scripts/deps.sh)", path)
			}
			r := runPreloaded(t, prog, path, "stream")
			p := r.proc(t)
			ev := expectCall(t, r, sock(t, p, 1), "write", 0, "")
			detailInt(t, ev, 5, "bytes")
			expectCall(t, r, sock(t, p, 2), "read", 0, "")
			expectCall(t, r, sock(t, p, 1), "writev", 0, "")
			expectCall(t, r, sock(t, p, 2), "readv", 0, "")
		})
	}
}

// TestSignalHandlerDuringMalloc: a SIGALRM handler sends while the main
// thread is inside malloc (hung 3 times out of 3: recording the send
// allocated its buffer with malloc, whose lock the interrupted code held).
// Every handler send is recorded; with "socket", sockets the handler opens
// get their records too (made without malloc); with "exit", the handler
// ends the process with _exit and everything is flushed all the same.
func TestSignalHandlerDuringMalloc(t *testing.T) {
	prog := build(t, "sigmalloc")
	for _, tc := range []struct{ mode, install string }{
		{"send", "sigaction"}, {"socket", "sigaction"}, {"exit", "sigaction"},
		// The other ways to install a handler: the shim must see those
		// handlers too, or recording inside them takes malloc's lock.
		{"socket", "bsd_signal"}, {"socket", "sysv_signal"}, {"socket", "sigset"},
	} {
		mode := tc.mode
		t.Run(mode+"/"+tc.install, func(t *testing.T) {
			r := run(t, prog, nil, "300", mode, tc.install)
			p := r.proc(t)
			sends := r.fact(t, "handler_sends")
			got := 0
			for _, ev := range sock(t, p, 0).OfType("send") {
				if b, _ := ev.DetailInt("bytes"); b == 1 {
					got++
				}
			}
			if int64(got) != sends {
				t.Errorf("%d handler sends recorded, the handler made %d", got, sends)
			}
			if mode != "socket" {
				return
			}
			opened, made := r.fact(t, "handler_sockets"), 0
			for _, s := range p.Sockets[2:] {
				if strings.Join(s.Types(), ",") == "socket,close" {
					made++
				} else {
					t.Errorf("socket %d made in the handler: events %v, want socket,close", s.Index, s.Types())
				}
			}
			if int64(made) != opened {
				t.Errorf("%d sockets of the handler in the trace, it opened %d", made, opened)
			}
		})
	}
}

// TestCrashFlushes: socket, connect, write, read, then the program crashes
// (the trace was empty: nothing is written before the first -t period).
// The events are on disk and the program died of its own signal.
func TestCrashFlushes(t *testing.T) {
	prog := build(t, "crash")
	for mode, sig := range map[string]syscall.Signal{"segv": syscall.SIGSEGV, "abort": syscall.SIGABRT,
		"fpe": syscall.SIGFPE, "bus": syscall.SIGBUS, "handled": 0} {
		t.Run(mode, func(t *testing.T) {
			r := runMay(t, prog, opts{"T": "100000"}, mode)
			var ee *exec.ExitError
			if !errors.As(r.exitErr, &ee) {
				t.Fatalf("program ended with %v, want it to die or exit with status 3", r.exitErr)
			}
			if sig == 0 { // the program's own handler ran (never skipped for ours) and left with _exit(3)
				if ee.ExitCode() != 3 || r.fact(t, "handled") != 1 {
					t.Fatalf("program ended with %v, want exit status 3 from its own SIGSEGV handler\n%s", r.exitErr, r.stdout)
				}
			} else if ws, ok := ee.Sys().(syscall.WaitStatus); tgt.runner == nil && (!ok || !ws.Signaled() || ws.Signal() != sig) {
				t.Fatalf("program ended with %v, want death by %v", r.exitErr, sig)
			}
			p := r.proc(t)
			if got := strings.Join(sock(t, p, 1).Types(), ","); got != "socket,connect,getsockname,write" {
				t.Errorf("client socket: events %s, want socket,connect,getsockname,write", got)
			}
			expectCall(t, r, sock(t, p, 1), "write", 0, "")
			expectCall(t, r, sock(t, p, 2), "read", 0, "")
		})
	}
}

// TestCaptureFdOutOfTheWay: with -c, a program that closes every fd it does
// not know, opens a file on the lowest number and forks. The child's write
// to that file failed with EBADF (the shim's fork handler closed the
// capture's old number, now the program's file) and the capture was gone.
func TestCaptureFdOutOfTheWay(t *testing.T) {
	skipUnderQemu(t, "packet sockets and BPF filters are not emulated")
	if os.Geteuid() != 0 {
		t.Skip("packet capture needs root or CAP_NET_RAW")
	}
	prog := build(t, "capfds")
	for _, mode := range []string{"closeloop", "closefrom"} {
		t.Run(mode, func(t *testing.T) {
			r := run(t, prog, opts{"C": "1"}, mode)
			if r.fact(t, "child_write_ok") != 1 {
				t.Errorf("the fork child's write to one of the program's files failed")
			}
			procs := r.trace.ProcessesOf("capfds")
			if len(procs) == 0 {
				t.Fatalf("no process directory: %s", r.procNames())
			}
			p := procs[0]
			s := sock(t, p, 4)
			if s.PcapPath == "" {
				t.Fatalf("no 4.pcap for the connection made after the fds were closed; logs:\n%s", p.Logs)
			}
			data, err := os.ReadFile(s.PcapPath)
			if err != nil {
				t.Fatal(err)
			}
			// pcap header, then at least the handshake and the data.
			if len(data) < 24+4*(16+16+40) {
				t.Errorf("4.pcap holds %d bytes: the capture stopped when the program closed its fds; logs:\n%s", len(data), p.Logs)
			}
		})
	}
}

// TestRecordOutlivesStalledThread: a thread stalls inside dup2 (the
// implicit close of a lingering socket) after the shim looked up the
// socket it copies, and the main thread closes that socket meanwhile.
// Records were freed 2 s after their close: with a 4 s stall the thread
// went on with freed memory (MALLOC_PERTURB_ makes that visible). Every
// event of the copied socket, before and after the stall, is in its file.
func TestRecordOutlivesStalledThread(t *testing.T) {
	prog := build(t, "stall")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(ctx, prog, opts{"T": "100"}, dir, "4")
	cmd.Env = append(cmd.Env, "MALLOC_PERTURB_=165")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("stall: timed out\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	if err != nil {
		t.Fatalf("stall: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	r := finish(t, dir, out.String(), errb.String(), nil)
	s := sock(t, r.proc(t), 4)
	want := "socket,connect,close,dup2,send,send,send,send,send,close"
	if got := strings.Join(s.Types(), ","); got != want {
		t.Fatalf("socket 4: events %s\nwant %s", got, want)
	}
	for i := 0; i < 5; i++ {
		expectCall(t, r, s, "send", i, "")
	}
}
