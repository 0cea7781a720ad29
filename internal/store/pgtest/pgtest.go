// Package pgtest starts a throwaway PostgreSQL server from the Debian
// postgresql package's binaries (initdb, pg_ctl) for tests and benchmarks:
// a fresh cluster in a temporary directory, on a free port, trusted local
// connections, run as the postgres user when the caller is root (PostgreSQL
// refuses to run as root).
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Bin finds the directory of pg_ctl, or returns "" when PostgreSQL is not
// installed.
func Bin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// Server is a running throwaway cluster.
type Server struct {
	DSN  string
	dir  string
	bin  string
	user string
}

// Start creates and starts a cluster. Stop it with Stop.
func Start() (*Server, error) {
	bin := Bin()
	if bin == "" {
		return nil, fmt.Errorf("PostgreSQL is not installed (Debian package postgresql)")
	}
	// Under /tmp, not $TMPDIR: the postgres user must reach the directory,
	// and a test's $TMPDIR is often private to the caller.
	dir, err := os.MkdirTemp("/tmp", "tcpsnitch-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.user = "postgres"
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", "tcpsnitch", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
	if out, err := s.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "120", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	s.DSN = fmt.Sprintf("postgres://tcpsnitch@127.0.0.1:%d/postgres?sslmode=disable", port)
	return s, nil
}

// Stop stops the cluster and removes its files.
func (s *Server) Stop() {
	s.run("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "stop")
	os.RemoveAll(s.dir)
}

func (s *Server) run(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, prog)
	var cmd *exec.Cmd
	if s.user != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.user, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ForTest starts a cluster for t and stops it when t ends. It skips t,
// saying why, only when the PostgreSQL binaries are not installed.
func ForTest(t testing.TB) string {
	t.Helper()
	if Bin() == "" {
		t.Skip("PostgreSQL binaries (Debian package postgresql: initdb, pg_ctl) are not installed; scripts/deps.sh installs them")
	}
	s, err := Start()
	if err != nil {
		t.Fatalf("starting PostgreSQL: %v", err)
	}
	t.Cleanup(s.Stop)
	return s.DSN
}
