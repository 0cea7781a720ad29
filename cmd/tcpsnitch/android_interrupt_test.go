package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// Ctrl-C while -k uploads ends like the Linux path: one line saying the
// upload was interrupted and where the trace is, exit 130, the trace kept.
func TestKillInterruptedDuringUploadKeepsTheTrace(t *testing.T) {
	d, hostDir, _ := launchClient(t, adbtest.RootSuC, false, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	requests := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests <- struct{}{}
		cancel() // the user presses Ctrl-C while the archive is being sent
		// Read the body so that the server notices the client going away,
		// then answer nothing until it has.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer srv.Close()

	s, _, _, errOut := cliio.Test()
	err := execute(ctx, []string{"--server", srv.URL, "-k", "com.example.client"}, s, nil)
	code := exitCode(err, s)
	select {
	case <-requests:
	default:
		t.Fatalf("no upload was attempted: exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	want := "tcpsnitch: upload interrupted (the trace is kept in " + hostDir + ")"
	if code != 130 || lines[len(lines)-1] != want {
		t.Fatalf("exit %d, last line %q, want 130 and %q\n%s", code, lines[len(lines)-1], want, errOut.String())
	}
	if !strings.Contains(readSocketEvents(t, hostDir), `"type": "connect"`) {
		t.Error("the trace was not kept")
	}
	assertDeviceClean(t, d, "com.example.client")
}

// Ctrl-C while -k stops the app: it says the traces are still on the
// phone, exits 130, and a second -k brings them home.
func TestKillInterruptedBeforeThePullLeavesTheSession(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var armed atomic.Bool
	d, hostDir, _ := launchClient(t, adbtest.RootSuC, false, func(argv []string) {
		if armed.Load() && argv[0] == "am" && len(argv) > 1 && argv[1] == "force-stop" {
			cancel()
		}
	}, "-n")
	armed.Store(true)
	s, _, _, errOut := cliio.Test()
	err := execute(ctx, []string{"-k", "com.example.client"}, s, nil)
	code := exitCode(err, s)
	want := "tcpsnitch: -k interrupted (the traces are still on the phone: run `tcpsnitch -k com.example.client` again)\n"
	if code != 130 || !strings.HasSuffix(errOut.String(), want) {
		t.Fatalf("exit %d, stderr %q; want 130 and %q", code, errOut.String(), want)
	}
	if d.Prop("wrap.com.example.client") == "" {
		t.Fatal("the interrupted -k cleaned the phone")
	}
	armed.Store(false)
	if r := runCLI(t, "", "-k", "com.example.client"); r.code != 0 {
		t.Fatalf("second -k: exit %d\n%s", r.code, r.errOut)
	}
	if !strings.Contains(readSocketEvents(t, hostDir), `"type": "connect"`) {
		t.Error("the second -k brought no trace home")
	}
	assertDeviceClean(t, d, "com.example.client")
}
