package realprogs

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/store/pgtest"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// PostgreSQL traced as a server: the postmaster (started as root through
// runuser, run as postgres) accepts each connection and forks a backend
// that serves it. Three psql sessions go through a relay that counts the
// bytes. Each backend's file of its connection starts with forked_socket,
// which names the client as the server saw it (the relay's port on that
// connection; before, such a socket was "(no address)"), and holds exactly
// the bytes the relay carried on that connection.
func TestPostgresServer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("PostgreSQL refuses to run as root: the test starts it as the postgres user, which needs root")
	}
	need(t, "psql", "runuser")
	pgbin := pgtest.Bin()
	if pgbin == "" {
		t.Fatal("PostgreSQL is not installed: run scripts/deps.sh (package postgresql)")
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	work, err := os.MkdirTemp("/tmp", "tcpsnitch-pgsrv-") // the postgres user must reach it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	if err := os.Chown(work, uid, gid); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(work, "data")
	if out, err := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(pgbin, "initdb"), "-D", data, "-U", "tcpsnitch",
		"--auth=trust", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	dir := filepath.Join(sharedTempDir(t), "trace")
	srv := traced(t, dir, nil, "--shim", readableShim(t), "runuser", "-u", "postgres", "--", filepath.Join(pgbin, "postgres"),
		"-D", data, "-p", strconv.Itoa(port), "-k", work, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(srv.err.String(), "ready to accept connections"); {
		select {
		case <-srv.done:
			t.Fatalf("postgres exited %d before it was ready; stderr %q", srv.code, tail(srv.err.String()))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres not ready after 60 s; stderr %q", tail(srv.err.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}

	r := newRelay(t, "127.0.0.1:"+strconv.Itoa(port))
	for i := 1; i <= 3; i++ {
		q := "select sum(x) from generate_series(1, " + strconv.Itoa(i*1000) + ") x"
		p := run(t, 30*time.Second, nil, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(r.port), "-U", "tcpsnitch", "-tA", "-c", q, "postgres")
		if want := strconv.Itoa(i * 1000 * (i*1000 + 1) / 2); strings.TrimSpace(p.out.String()) != want || p.code != 0 {
			t.Fatalf("psql %q: exit %d, %q, want %s; stderr %q", q, p.code, p.out.String(), want, p.err.String())
		}
	}
	r.settle(t, 10*time.Second)
	if out, err := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(pgbin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
	srv.wait(t, 60*time.Second)
	srv.mustSucceed(t, dir)

	tr := openTrace(t, dir)
	if r.conns.Load() != 3 {
		t.Fatalf("the relay carried %d connections, want 3", r.conns.Load())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for relayPort, conns := range r.perConn {
		var found []*tracefile.Socket
		for _, proc := range tr.Processes {
			for _, s := range proc.Sockets {
				first := s.Events[0]
				if got, _ := first.DetailString("peername", "port"); first.Type == "forked_socket" && got == strconv.Itoa(relayPort) {
					found = append(found, s)
				}
			}
		}
		if len(found) != 1 || len(conns) != 1 {
			t.Errorf("connection from the relay's port %d: %d backend sockets name it as their peer, want 1 (processes %s)", relayPort, len(found), processNames(tr))
			continue
		}
		if got, _ := found[0].Events[0].DetailString("sockname", "port"); got != strconv.Itoa(port) {
			t.Errorf("%s: sockname port %s, want the server's %d", found[0].Path, got, port)
		}
		c := conns[0]
		if recv, sent := moved(found[0], recvTypes), moved(found[0], sendTypes); recv != c.toServer.Load() || sent != c.fromServer.Load() {
			t.Errorf("%s: the backend received %d and sent %d bytes in its trace; the relay gave it %d and took %d",
				found[0].Path, recv, sent, c.toServer.Load(), c.fromServer.Load())
		}
	}
}
