package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// The simulated app opens N UDP sockets one after the other: socket,
// sendto, close, after a pause for -a's check.
const manySocketsC = `#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(9);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sleep(2); /* -a checks that the process runs with the shim */
	for (int i = 0, n = atoi(argv[1]); i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof a) != 1) return 1;
		close(fd);
	}
	return 0;
}
`

// An app with thousands of sockets: the device holds one spool per
// process, and -k turns it into the documented N.json files on the host,
// every socket's calls in them. The log line gives -k's time (bench/README.md
// compares it with one file per socket on the device).
func TestKillSplitsThousandsOfSocketsOnTheHost(t *testing.T) {
	const n = 5000
	shim := simShim(t)
	if other := os.Getenv("TCPSNITCH_TEST_SIM_SHIM"); other != "" {
		shim = other // another build's shim, to compare -k's time (bench/README.md)
	}
	app := filepath.Join(t.TempDir(), "many")
	os.WriteFile(app+".c", []byte(manySocketsC), 0o644)
	if out, err := exec.Command("gcc", "-O1", "-o", app, app+".c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	pkg := adbtest.Package{Name: "com.example.many", VersionName: "1", PrimaryABI: "x86_64",
		Launcher: ".MainActivity", Program: app, Args: []string{strconv.Itoa(n)}}
	d := adbtest.Start(t, adbtest.Config{SDK: 30, ABIs: []string{"x86_64"}, Root: adbtest.RootAdb,
		Packages: []adbtest.Package{pkg}})
	androidEnv(t, d)
	hostDir := filepath.Join(t.TempDir(), "trace")
	if r := runCLI(t, "", "-n", "-d", hostDir, "--shim", shim, "-a", "many"); r.code != 0 {
		t.Fatalf("-a: exit %d\n%s", r.code, r.errOut)
	}
	if err := d.WaitAppExit("com.example.many", 120*time.Second); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := runCLI(t, "", "-k", "com.example.many")
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("-k: exit %d\n%s", r.code, r.errOut)
	}
	t.Logf("-k with %d sockets: %v (%s)", n, took.Round(time.Millisecond), strings.TrimSpace(lastLine(r.errOut)))
	tr, err := tracefile.Open(hostDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Processes) != 1 {
		t.Fatalf("%d process directories, want 1", len(tr.Processes))
	}
	p := tr.Processes[0]
	if _, err := os.Stat(filepath.Join(p.Dir, "events.spool")); !os.IsNotExist(err) {
		t.Fatalf("the spool was not split on the host (%v)", err)
	}
	if len(p.Sockets) != n {
		t.Fatalf("%d sockets in the trace, the app opened %d", len(p.Sockets), n)
	}
	for i, s := range p.Sockets {
		if s.Index != i || strings.Join(s.Types(), " ") != "socket sendto close" {
			t.Fatalf("socket %d (file %d.json): %v", i, s.Index, s.Types())
		}
		if _, err := os.Stat(s.Path); err != nil {
			t.Fatalf("socket %d has no file of its own: %v", i, err)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
