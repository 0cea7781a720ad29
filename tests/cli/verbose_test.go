package cli

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// closedPort is a local port nothing listens on (the kernel's pick, closed).
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// runThreads traces the threads program with flags and returns the run,
// its "pid P tid T" and the -v lines read from the -o file.
func runThreads(t *testing.T, flags ...string) (r result, pid, tid string, lines []string) {
	t.Helper()
	srv := newServer(t, 10)
	out := filepath.Join(t.TempDir(), "verbose.txt")
	args := append(append([]string{"-n", "-d", t.TempDir(), "-o", out}, flags...), tool("threads"), srv.port, closedPort(t))
	r = tcpsnitch(t, "", args...)
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	f := strings.Fields(r.out)
	if len(f) != 4 || f[0] != "pid" || f[2] != "tid" || f[1] == f[3] {
		t.Fatalf("threads printed %q", r.out)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("-o file: %v", err)
	}
	return r, f[1], f[3], strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// -o: the lines go to the file, not to the program's stderr; each names
// the thread that made the call, the arguments that matter, and errors
// as strace writes them.
func TestVerboseLinesLikeStrace(t *testing.T) {
	r, pid, tid, lines := runThreads(t)
	if strings.Contains(r.errOut, "connect(") {
		t.Fatalf("-o: event lines on stderr too:\n%s", r.errOut)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		`^\[pid ` + tid + `\] socket\(AF_INET, SOCK_STREAM, IPPROTO_IP\) = \d+$`,
		`^\[pid ` + tid + `\] connect\(\d+, 127\.0\.0\.1:\d+\) = -1 ECONNREFUSED \(Connection refused\)$`,
		`^\[pid ` + tid + `\] fcntl\(\d+, F_GETFL\) = 2 \(O_RDWR\)$`,
		`^\[pid ` + tid + `\] fcntl\(\d+, F_SETFL, O_RDWR\|O_NONBLOCK\) = 0$`,
		`^\[pid ` + tid + `\] connect\(\d+, 127\.0\.0\.1:\d+\) = -1 EINPROGRESS \(Operation now in progress\)$`,
		`^\[pid ` + tid + `\] poll\(\d+, POLLOUT, 5000\) = 1 \(POLLOUT\)$`,
	} {
		if !regexp.MustCompile(`(?m)` + want).MatchString(text) {
			t.Errorf("no line matching %s in:\n%s", want, text)
		}
	}
	// Every call was made by the second thread: no line names the main one.
	for _, l := range lines {
		if strings.HasPrefix(l, "[pid "+pid+"]") {
			t.Errorf("line names the process, not the thread: %s", l)
		}
	}
	// One line per call the program made, no more.
	counts := map[string]int{}
	for _, l := range lines {
		if m := regexp.MustCompile(`\] (\w+)\(`).FindStringSubmatch(l); m != nil {
			counts[m[1]]++
		}
	}
	want := map[string]int{"socket": 2, "connect": 2, "close": 2, "fcntl": 2, "poll": 1}
	for call, n := range want {
		if counts[call] != n {
			t.Errorf("%d %s lines, the program made %d:\n%s", counts[call], call, n, text)
		}
	}
	if len(lines) != 9 {
		t.Errorf("%d lines for 9 calls:\n%s", len(lines), text)
	}
}

// --verbose-time wall: the time of day of each call, within the run.
func TestVerboseWallClock(t *testing.T) {
	start := time.Now()
	_, _, _, lines := runThreads(t, "--verbose-time", "wall")
	end := time.Now()
	re := regexp.MustCompile(`^\[pid \d+\] (\d\d):(\d\d):(\d\d)\.(\d{6}) \w+\(`)
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no wall-clock time on %q", l)
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		us, _ := strconv.Atoi(m[4])
		y, mo, d := start.Date()
		at := time.Date(y, mo, d, h, mi, s, us*1000, time.Local)
		if at.Before(start.Truncate(time.Second).Add(-time.Second)) || at.After(end.Add(time.Second)) {
			t.Fatalf("line %q: time %v outside the run [%v, %v]", l, at, start, end)
		}
	}
}

// --verbose-time relative: seconds since the previous line of the process,
// the first one 0.
func TestVerboseRelative(t *testing.T) {
	_, _, _, lines := runThreads(t, "--verbose-time", "relative")
	re := regexp.MustCompile(`^\[pid \d+\] +(\d+)\.(\d{6}) \w+\(`)
	for i, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no relative time on %q", l)
		}
		if i == 0 && (m[1] != "0" || m[2] != "000000") {
			t.Fatalf("first line %q: want 0.000000", l)
		}
	}
}

// A TCP_INFO sample is not a call: it reads like strace's signal lines.
func TestVerboseTCPInfoIsNotACall(t *testing.T) {
	srv := newServer(t, 20000)
	r := tcpsnitch(t, "", "-n", "-d", t.TempDir(), "-v", "-b", "1", tool("client"), srv.port)
	if r.code != 0 {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
	re := regexp.MustCompile(`(?m)^\[pid \d+\] --- tcp_info \d+: state=(ESTABLISHED|CLOSE_WAIT|FIN_WAIT1|FIN_WAIT2) rtt=\d+us .* ---$`)
	if !re.MatchString(r.errOut) || strings.Contains(r.errOut, "tcp_info(") {
		t.Fatalf("tcp_info lines:\n%s", r.errOut)
	}
}

func TestVerboseTimeRefusesOtherValues(t *testing.T) {
	r := tcpsnitch(t, "", "-n", "--verbose-time", "later", "true")
	if r.code != 2 || !strings.Contains(r.errOut, `"--verbose-time" flag: must be none, wall or relative`) {
		t.Fatalf("exit %d stderr %q", r.code, r.errOut)
	}
}
