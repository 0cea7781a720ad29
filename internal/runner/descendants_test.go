package runner

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An orphan of the program (its parent exited) is waited for; a child
// tcpsnitch had before is neither waited for nor reaped.
func TestFamilyWaitsForOrphansOnly(t *testing.T) {
	old := exec.Command("sleep", "30")
	old.Start()
	defer old.Process.Kill()
	f := NewFamily()
	defer f.Close()
	// sh exits as soon as its child runs sleep (not before: the message
	// names a process as /proc does at that moment, and the forked child is
	// still "sh" until its exec), leaving "sleep 0.3" orphaned (re-parented
	// to us).
	if err := exec.Command("sh", "-c", `sleep 0.3 & until [ "$(cat /proc/$!/comm)" = sleep ]; do :; done; exit 0`).Run(); err != nil {
		t.Fatal(err)
	}
	var said []string
	if err := f.Wait(context.Background(), func(s string) { said = append(said, s) }); err != nil {
		t.Fatal(err)
	}
	if len(said) != 1 || !strings.Contains(said[0], "waiting for 1 process: sleep (pid ") {
		t.Fatalf("said %q", said)
	}
	if old.ProcessState != nil || old.Process.Signal(syscall.Signal(0)) != nil {
		t.Fatal("the older child was reaped or waited for")
	}
}

func TestFamilyWaitIsCancellable(t *testing.T) {
	f := NewFamily()
	defer f.Close()
	if err := exec.Command("sh", "-c", "sleep 30 & exit 0").Run(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	err := f.Wait(ctx, func(string) {})
	var still *StillRunningError
	if !errors.As(err, &still) || len(still.Left) != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	for _, p := range still.Left {
		syscall.Kill(p.Pid, syscall.SIGKILL)
	}
	// reap it
	f.Wait(context.Background(), func(string) {})
}
