package realprogs

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// redis-server (Debian's, linked with jemalloc) serves redis-benchmark's 50
// clients under tcpsnitch, then a traced redis-cli shuts it down. The server
// must exit 0 and its trace hold one accepted socket per connection with
// every byte it read and wrote on it, as counted by relays in front of it;
// the redis-cli trace holds what redis-cli moved.
func TestRedisUnderBenchmark(t *testing.T) {
	need(t, "redis-server", "redis-benchmark", "redis-cli")
	dir := t.TempDir()
	port := freePort(t)
	serverTrace, cliTrace := filepath.Join(dir, "server-trace"), filepath.Join(dir, "cli-trace")
	log := filepath.Join(dir, "redis.log")
	srv := traced(t, serverTrace, nil, "redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
		"--dir", dir, "--logfile", log)
	waitFile(t, srv, log, "Ready to accept connections", 20*time.Second,
		" (untraced it takes milliseconds: a hang before main?)")

	backend := "127.0.0.1:" + strconv.Itoa(port)
	load, ctl := newRelay(t, backend), newRelay(t, backend)
	const requests = 5000 // per test, SET then GET
	bench := run(t, 90*time.Second, nil, "redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(load.port),
		"-c", "50", "-n", strconv.Itoa(requests), "-t", "set,get", "-q")
	bench.mustSucceed(t, "")
	load.settle(t, 10*time.Second)

	cli := run(t, 30*time.Second, nil, bin, "-n", "-d", cliTrace, "redis-cli", "-h", "127.0.0.1", "-p", strconv.Itoa(ctl.port), "SHUTDOWN")
	cli.mustSucceed(t, cliTrace)
	srv.wait(t, 30*time.Second)
	srv.mustSucceed(t, serverTrace)
	ctl.settle(t, 10*time.Second)

	tr := openTrace(t, serverTrace)
	ps := tr.ProcessesOf("redis-server")
	if len(ps) != 1 {
		t.Fatalf("want one redis-server_NNN process directory, the trace has %s", processNames(tr))
	}
	checkServerConns(t, "redis-server", accepted(ps[0]), load, ctl)
	// SHUTDOWN closes the listening socket: the trace runs to the end.
	listener := listeningOn(ps[0], port)
	if listener == nil {
		t.Fatalf("no socket bound to port %d in %s", port, ps[0].Name)
	}
	if types := listener.Types(); types[len(types)-1] != "close" {
		t.Errorf("the listening socket's last event is %s, want close (SHUTDOWN closes it)", types[len(types)-1])
	}
	checkClientTrace(t, cliTrace, ctl)
}
