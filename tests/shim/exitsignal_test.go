package shim_test

import (
	"bytes"
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A fatal signal that lands while the program's own thread is inside the
// shim's final flush (exit or _exit writing the spool) must not lose the
// trace: the shim's handler used to wait 3 s for the writer thread, which
// waited for the flush lock the interrupted thread held, then die with
// nothing written. Python's multiprocessing Pool.terminate() does this to
// workers that are already leaving through os._exit. The signal is placed
// there by shim/tests/spoolsignal.c, preloaded after the shim: it raises
// SIGTERM from inside the shim's open of the spool.
func TestFatalSignalDuringExitFlush(t *testing.T) {
	prog := build(t, "exits")
	inject := build(t, "spoolsignal", "-shared", "-fPIC", "-ldl")
	for _, mode := range []string{"exit", "_exit"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
			defer cancel()
			// -t long and fewer events than wake the writer early
			// (record.h KICK_SLOTS): it writes nothing before the exit.
			cmd := command(ctx, prog, opts{"T": "100000"}, dir, mode, "300")
			preloadAfterShim(cmd, inject)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			start := time.Now()
			werr := cmd.Run()
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("did not end within %v", runTimeout)
			}
			if tgt.runner == nil {
				ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
				if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
					t.Errorf("ended with %v, want death by SIGTERM (raised during its exit)", werr)
				}
			}
			r := finish(t, dir, out.String(), errb.String(), nil)
			p := r.trace.ProcessesOf("exits")
			if len(p) == 0 {
				t.Fatalf("no process directory after %v (the handler waited for a flush that could not finish?): %s; stderr %q",
					took.Round(time.Millisecond), r.procNames(), errb.String())
			}
			got := len(sock(t, p[0], 0).OfType("send"))
			if want := r.fact(t, "sends"); int64(got) != want {
				t.Errorf("%d send events recorded, program made %d (took %v)", got, want, took.Round(time.Millisecond))
			}
		})
	}
}

// preloadAfterShim adds lib after the shim in the command's LD_PRELOAD
// (in its environment, or in qemu's -E argument).
func preloadAfterShim(cmd *exec.Cmd, lib string) {
	old := "LD_PRELOAD=" + tgt.shim
	for _, v := range [][]string{cmd.Env, cmd.Args} {
		for i, e := range v {
			if e == old {
				v[i] = old + ":" + lib
			}
		}
	}
}
