package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
)

// The simulated app: a real C program that talks TCP to a server run by
// the test, then exits.
const clientC = `#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
	struct sockaddr_in a = {0};
	char buf[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 1;
	if (send(fd, "hello\n", 6, 0) != 6) return 2;
	if (recv(fd, buf, sizeof buf, 0) <= 0) return 3;
	close(fd);
	return 0;
}
`

// simShim is the Linux build of the shim's Android code path (options from
// the simulated property store), built by `make shim-android-sim`.
func simShim(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	shim := filepath.Join(root, "lib", "tcpsnitch", "android-sim-x86_64", "libtcpsnitch.so")
	if _, err := os.Stat(shim); err != nil {
		if out, err := exec.Command("make", "-C", root, "shim-android-sim").CombinedOutput(); err != nil {
			t.Skipf("the android-sim shim is not built and `make shim-android-sim` failed: %v\n%s", err, out)
		}
	}
	return shim
}

// echoServer answers one line per connection and counts connections.
func echoServer(t *testing.T) (port int, conns chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conns = make(chan string, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Write([]byte("hi " + line))
			c.Close()
			conns <- line
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, conns
}

// The round trip is run with each root variant; the debuggable app's files
// are reached with run-as instead of root.
func TestLaunchThenKillYieldsARealTrace(t *testing.T) {
	for _, c := range []struct {
		root       string
		debuggable bool
	}{
		{adbtest.RootSuC, false},
		{adbtest.RootSu0, true},
		{adbtest.RootAdb, false},
	} {
		t.Run(c.root+map[bool]string{true: "-run-as", false: ""}[c.debuggable], func(t *testing.T) {
			roundTrip(t, c.root, c.debuggable)
		})
	}
}

func roundTrip(t *testing.T, root string, debuggable bool) {
	d, hostDir, port := launchClient(t, root, debuggable, nil, "-n")

	r := runCLI(t, "", "-k", "com.example.client")
	if r.code != 0 {
		t.Fatalf("-k: exit %d\n%s\nlogcat:\n%s", r.code, r.errOut, d.Logcat())
	}
	for file, want := range map[string]string{"os": "android\n", "app": "com.example.client\n",
		"cmd": "com.example.client\n", "app_version": "3.2.1\n", "machine": "x86_64\n"} {
		if got, err := os.ReadFile(filepath.Join(hostDir, "meta", file)); err != nil || string(got) != want {
			t.Errorf("meta/%s = %q (%v), want %q", file, got, err, want)
		}
	}
	events := readSocketEvents(t, hostDir)
	for _, want := range []string{`"type": "socket"`, `"type": "connect"`, `"port": "` + strconv.Itoa(port) + `"`,
		`"type": "send"`, `"type": "recv"`, `"type": "close"`} {
		if !strings.Contains(events, want) {
			t.Errorf("trace lacks %s:\n%s", want, events)
		}
	}
	assertDeviceClean(t, d, "com.example.client")
}

// readSocketEvents returns the content of every N.json of the trace.
func readSocketEvents(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*", "[0-9]*.json"))
	if len(files) == 0 {
		var all []string
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { all = append(all, p); return nil })
		t.Fatalf("no socket file in the trace; files: %v", all)
	}
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.Write(data)
	}
	return b.String()
}

// launchClient starts a simulated phone whose app com.example.client
// connects once to a local echo server, traces it with -a (and aFlags),
// and waits until the app has talked to the server and exited. onCommand,
// if not nil, sees every Android command the phone plays.
func launchClient(t *testing.T, root string, debuggable bool, onCommand func([]string), aFlags ...string) (d *adbtest.Device, hostDir string, port int) {
	t.Helper()
	shim := simShim(t)
	client := filepath.Join(t.TempDir(), "client")
	src := client + ".c"
	os.WriteFile(src, []byte(clientC), 0o644)
	if out, err := exec.Command("gcc", "-O1", "-o", client, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	port, conns := echoServer(t)
	pkg := adbtest.Package{Name: "com.example.client", VersionName: "3.2.1", PrimaryABI: "x86_64",
		Launcher: ".MainActivity", Program: client, Args: []string{strconv.Itoa(port)}, Debuggable: debuggable}
	d = adbtest.Start(t, adbtest.Config{SDK: 30, ABIs: []string{"x86_64", "x86"}, Root: root,
		Packages: []adbtest.Package{pkg}, OnCommand: onCommand})
	androidEnv(t, d)
	hostDir = filepath.Join(t.TempDir(), "trace")

	args := append(append([]string{}, aFlags...), "-t", "100", "-d", hostDir, "--shim", shim, "-a", "client")
	r := runCLI(t, "", args...)
	if r.code != 0 {
		t.Fatalf("-a: exit %d\n%s", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "tcpsnitch -k com.example.client") {
		t.Errorf("-a does not say what to run next: %q", r.errOut)
	}
	if v := d.Prop("debug.tcpsnitch.d"); v != "/data/data/com.example.client/tcpsnitch" {
		t.Errorf("debug.tcpsnitch.d = %q", v)
	}
	if v := d.Prop("debug.tcpsnitch.t"); v != "100" {
		t.Errorf("debug.tcpsnitch.t = %q", v)
	}
	select {
	case line := <-conns:
		if line != "hello\n" {
			t.Errorf("server got %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the app never connected; logcat:\n%s", d.Logcat())
	}
	if err := d.WaitAppExit("com.example.client", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return d, hostDir, port
}
