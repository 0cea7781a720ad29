package realprogs

import (
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// aptRepo writes a flat Debian repository (a Packages file and a Release
// that lists its hash; apt takes it unsigned with [trusted=yes]) and serves
// it over HTTP on loopback; it returns the server's address.
func aptRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	packages := "Package: tcpsnitch-test\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\n" +
		"Filename: ./tcpsnitch-test_1.0_all.deb\nSize: 10\nSHA256: " + strings.Repeat("0", 64) + "\nDescription: test\n\n"
	writeFile(t, filepath.Join(repo, "Packages"), packages)
	release := fmt.Sprintf("Origin: test\nLabel: test\nSuite: test\nCodename: test\nDate: %s\nArchitectures: amd64 all\nSHA256:\n %x %d Packages\n",
		time.Now().UTC().Format(time.RFC1123), sha256.Sum256([]byte(packages)), len(packages))
	writeFile(t, filepath.Join(repo, "Release"), release)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(repo))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// apt-get update, as root: apt starts its download methods as children,
// which drop to the _apt user, and kills those it no longer needs with
// SIGINT. The run said that two of them "ran a program the shim never
// reported from, so it was not traced": killed before they had a socket,
// they never told the CLI they were traced. Now the run is clean, the
// method that downloaded holds the sockets, and the bytes are those that
// crossed a relay in front of the repository.
func TestAptGetUpdate(t *testing.T) {
	need(t, "apt-get")
	if os.Geteuid() != 0 {
		t.Skip("apt-get update needs root")
	}
	r := newRelay(t, aptRepo(t))
	work := sharedTempDir(t) // the methods run as _apt: they must reach it
	for _, d := range []string{"lists/partial", "cache", "parts"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(work, "sources.list"), "deb [trusted=yes] http://"+r.addr()+"/ ./\n")
	dir := filepath.Join(work, "trace")
	p := run(t, 60*time.Second, nil, bin, "-n", "-d", dir, "--shim", readableShim(t), "apt-get", "update",
		"-o", "Dir::Etc::SourceList="+filepath.Join(work, "sources.list"), "-o", "Dir::Etc::SourceParts="+filepath.Join(work, "parts"),
		"-o", "Dir::State::Lists="+filepath.Join(work, "lists"), "-o", "Dir::Cache="+filepath.Join(work, "cache"),
		"-o", "Debug::NoLocking=1")
	p.mustSucceed(t, dir)
	if !strings.Contains(p.out.String(), "Packages") {
		t.Fatalf("apt-get did not fetch the Packages file: %q", p.out.String())
	}
	if strings.Contains(p.err.String(), "never reported") || strings.Contains(p.err.String(), "warning") {
		t.Fatalf("the run warned:\n%s", tail(p.err.String()))
	}
	r.settle(t, 10*time.Second)
	tr := openTrace(t, dir)
	for _, proc := range tr.Processes {
		if len(proc.Sockets) > 0 && proc.App != "http" {
			t.Errorf("%s has sockets; only apt's http method should", proc.Name)
		}
	}
	checkClientTrace(t, dir, r)
}
