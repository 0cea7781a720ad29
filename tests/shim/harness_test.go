// Package shim_test runs the C programs of shim/tests under the real shim
// (LD_PRELOAD) and checks the trace they leave. The target is chosen by
// TCPSNITCH_TEST_TARGET: linux-x86_64 (default), linux-i386, linux-aarch64
// (run under qemu-aarch64).
package shim_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

type target struct {
	name    string
	cc      []string // compiler and its target flags
	runner  []string // prefix to run a program (qemu), nil for native
	shim    string
	srcDir  string
	binDir  string
	skipWhy string // non-empty: every test skips with this reason
	failWhy string // non-empty: every test fails with this reason
}

var (
	tgt       target
	buildMu   sync.Mutex
	buildOnce = map[string]*buildResult{}
)

type buildResult struct {
	name string
	once sync.Once
	path string
	err  error
}

func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return dir
}

func TestMain(m *testing.M) {
	root := repoRoot()
	name := os.Getenv("TCPSNITCH_TEST_TARGET")
	if name == "" {
		name = "linux-x86_64"
	}
	tgt = target{name: name, srcDir: filepath.Join(root, "shim", "tests"),
		shim: filepath.Join(root, "lib", "tcpsnitch", name, "libtcpsnitch.so")}
	switch name {
	case "linux-x86_64", "linux-i386":
	case "linux-aarch64":
		tgt.runner = []string{"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"}
	default:
		fmt.Fprintf(os.Stderr, "unknown TCPSNITCH_TEST_TARGET %q (want linux-x86_64, linux-i386 or linux-aarch64)\n", name)
		os.Exit(2)
	}
	// The compiler and its flags come from the same toolchain file the
	// shim's own build uses (toolchains/<target>).
	tc, err := readToolchain(filepath.Join(root, "toolchains", name))
	if err != nil {
		fmt.Fprintf(os.Stderr, "toolchain for %s: %v\n", name, err)
		os.Exit(2)
	}
	tgt.cc = append([]string{tc["CC"]}, strings.Fields(tc["TARGET_CFLAGS"]+" "+tc["TARGET_LDFLAGS"])...)
	if _, err := os.Stat(tgt.shim); err != nil {
		if name == "linux-x86_64" {
			tgt.failWhy = fmt.Sprintf("shim %s missing: run `make` first", tgt.shim)
		} else {
			tgt.skipWhy = fmt.Sprintf("shim %s missing (build it with `make shim-%s`)", tgt.shim, strings.TrimPrefix(name, "linux-"))
		}
	}
	if _, err := exec.LookPath(tgt.cc[0]); err != nil && tgt.skipWhy == "" && tgt.failWhy == "" {
		tgt.skipWhy = fmt.Sprintf("compiler %s for %s not found", tgt.cc[0], name)
	}
	if tgt.runner != nil {
		if _, err := exec.LookPath(tgt.runner[0]); err != nil && tgt.skipWhy == "" {
			tgt.skipWhy = "qemu-aarch64 not found"
		}
	}
	dir, err := os.MkdirTemp("", "tcpsnitch-shimtests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tgt.binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// skipUnderQemu skips a test that qemu-user cannot run faithfully (the
// shim is not what fails there; why says what qemu does).
func skipUnderQemu(t *testing.T, why string) {
	t.Helper()
	if tgt.runner != nil {
		t.Skip("under qemu-user: " + why)
	}
}

// needShim fails or skips the test when the target cannot run.
func needShim(t *testing.T) {
	t.Helper()
	if tgt.failWhy != "" {
		t.Fatal(tgt.failWhy)
	}
	if tgt.skipWhy != "" {
		t.Skip(tgt.skipWhy)
	}
}

// build compiles shim/tests/<src>.c with extra flags, once per test run.
func build(t *testing.T, src string, flags ...string) string {
	t.Helper()
	needShim(t)
	key := src + " " + strings.Join(flags, " ")
	buildMu.Lock()
	br, ok := buildOnce[key]
	if !ok {
		br = &buildResult{name: src}
		if len(flags) > 0 {
			br.name = fmt.Sprintf("%s-%d", src, len(buildOnce)) // one binary per flag set
		}
		buildOnce[key] = br
	}
	buildMu.Unlock()
	br.once.Do(func() {
		out := filepath.Join(tgt.binDir, br.name)
		args := append(append([]string{}, tgt.cc[1:]...), "-std=gnu11", "-Wall", "-g",
			"-o", out, filepath.Join(tgt.srcDir, src+".c"), "-pthread")
		args = append(args, flags...)
		cmd := exec.Command(tgt.cc[0], args...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			br.err = fmt.Errorf("compiling %s: %v\n%s", src, err, msg)
			return
		}
		br.path = out
	})
	if br.err != nil {
		t.Fatal(br.err)
	}
	return br.path
}

// opts are TCPSNITCH_OPT_* values (key "B" → TCPSNITCH_OPT_B).
type opts map[string]string

// result of one traced run.
type result struct {
	stdout, stderr string
	exitErr        error
	dir            string
	trace          *tracefile.Trace
	calls          []call
	facts          map[string][]int64
}

// call is one "call <name> <ret> <errno|->" line printed by a test program.
type call struct {
	name  string
	ret   int64
	errno string // "" when errno was left untouched
}

func (c call) String() string { return fmt.Sprintf("%s=%d(%s)", c.name, c.ret, c.errno) }

func command(ctx context.Context, prog string, o opts, traceDir string, args ...string) *exec.Cmd {
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "TCPSNITCH_") && !strings.HasPrefix(e, "LD_PRELOAD=") {
			env = append(env, e)
		}
	}
	env = append(env, "TCPSNITCH_OPT_D="+traceDir)
	for k, v := range o {
		env = append(env, "TCPSNITCH_OPT_"+k+"="+v)
	}
	var cmd *exec.Cmd
	if tgt.runner != nil {
		full := append(append([]string{}, tgt.runner[1:]...), "-E", "LD_PRELOAD="+tgt.shim, prog)
		cmd = exec.CommandContext(ctx, tgt.runner[0], append(full, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, prog, args...)
		env = append(env, "LD_PRELOAD="+tgt.shim)
	}
	cmd.Env = env
	return cmd
}

const runTimeout = 30 * time.Second

// run runs a built program under the shim, waits for it and reads its trace.
// A non-zero exit or a timeout fails the test.
func run(t *testing.T, prog string, o opts, args ...string) *result {
	t.Helper()
	r := runMay(t, prog, o, args...)
	if r.exitErr != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(prog), args, r.exitErr, r.stdout, r.stderr)
	}
	// The test programs write nothing on stderr; at the default log level
	// the shim only writes errors there, and none is expected.
	if _, set := o["L"]; !set && r.stderr != "" {
		t.Errorf("%s %v: unexpected stderr output:\n%s", filepath.Base(prog), args, r.stderr)
	}
	return r
}

// runMay is run without failing on a non-zero exit.
func runMay(t *testing.T, prog string, o opts, args ...string) *result {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := command(ctx, prog, o, dir, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: timed out after %v (deadlock?)\nstdout:\n%s\nstderr:\n%s", filepath.Base(prog), args, runTimeout, out.String(), errb.String())
	}
	r := finish(t, dir, out.String(), errb.String(), err)
	// A thread's calls follow one another, except where a signal handler
	// makes calls inside another one (format_test.go).
	if src, _, _ := strings.Cut(filepath.Base(prog), "-"); !handlersMakeCalls[src] {
		checkDurationsInOrder(t, dir)
	}
	return r
}

// handlersMakeCalls: test programs whose signal handlers make socket calls.
// sigmalloc's handler sends from inside the main thread's calls, and in its
// sysv_signal mode (SA_NODEFER) from inside another run of itself.
var handlersMakeCalls = map[string]bool{"signal": true, "sigmalloc": true}

func finish(t *testing.T, dir, stdout, stderr string, err error) *result {
	t.Helper()
	r := &result{stdout: stdout, stderr: stderr, exitErr: err, dir: dir, facts: map[string][]int64{}}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 4 && f[0] == "call":
			ret, _ := strconv.ParseInt(f[2], 10, 64)
			c := call{name: f[1], ret: ret}
			if f[3] != "-" {
				c.errno = f[3]
			}
			r.calls = append(r.calls, c)
		case len(f) == 2:
			v, e := strconv.ParseInt(f[1], 10, 64)
			if e != nil {
				t.Errorf("stdout line %q was not printed by the program (shim output on stdout?)", sc.Text())
			}
			r.facts[f[0]] = append(r.facts[f[0]], v)
		case len(f) == 1 && f[0] == "ready":
		default:
			t.Errorf("stdout line %q was not printed by the program (shim output on stdout?)", sc.Text())
		}
	}
	tr, terr := tracefile.Open(dir)
	if terr != nil {
		t.Fatalf("reading trace: %v\nstderr:\n%s", terr, stderr)
	}
	r.trace = tr
	// Every trace of every test holds to docs/trace-format.md (format_test.go).
	checkTraceAgainstDoc(t, dir)
	checkDurationsNonZero(t, dir)
	return r
}

// fact returns the single value of a "key value" line.
func (r *result) fact(t *testing.T, key string) int64 {
	t.Helper()
	v := r.facts[key]
	if len(v) != 1 {
		t.Fatalf("program printed %d %q lines, want 1:\n%s", len(v), key, r.stdout)
	}
	return v[0]
}

// callN returns the n-th (0-based) call line with that name.
func (r *result) callN(t *testing.T, name string, n int) call {
	t.Helper()
	i := 0
	for _, c := range r.calls {
		if c.name == name {
			if i == n {
				return c
			}
			i++
		}
	}
	t.Fatalf("program printed no %d-th %q call:\n%s", n, name, r.stdout)
	return call{}
}

// proc returns the only process directory of the trace.
func (r *result) proc(t *testing.T) *tracefile.Process {
	t.Helper()
	if len(r.trace.Processes) != 1 {
		t.Fatalf("want 1 process directory, got %s\nstderr:\n%s", r.procNames(), r.stderr)
	}
	return r.trace.Processes[0]
}

func (r *result) procNames() string {
	var n []string
	for _, p := range r.trace.Processes {
		n = append(n, p.Name)
	}
	return fmt.Sprintf("%v", n)
}

// sock returns socket n of process p, failing when it is missing.
func sock(t *testing.T, p *tracefile.Process, n int) *tracefile.Socket {
	t.Helper()
	s := p.Socket(n)
	if s == nil {
		var have []string
		for _, s := range p.Sockets {
			have = append(have, fmt.Sprintf("%d:%v", s.Index, s.Types()))
		}
		t.Fatalf("%s: no socket %d; sockets: %v", p.Name, n, have)
	}
	return s
}

// event returns the n-th event of a type on a socket.
func event(t *testing.T, s *tracefile.Socket, typ string, n int) tracefile.Event {
	t.Helper()
	evs := s.OfType(typ)
	if len(evs) <= n {
		t.Fatalf("%s: want at least %d %q event(s), have events %v", s.Path, n+1, typ, s.Types())
	}
	return evs[n]
}

// matches checks return value, success and errno of an event against what
// the program saw.
func matches(t *testing.T, ev tracefile.Event, c call) {
	t.Helper()
	if ev.ReturnValue != c.ret {
		t.Errorf("%s: return_value %d, program got %d", ev.Type, ev.ReturnValue, c.ret)
	}
	wantOK := c.ret != -1
	if ev.Success != wantOK {
		t.Errorf("%s: success %v, program got %d", ev.Type, ev.Success, c.ret)
	}
	if !wantOK && ev.Errno != c.errno {
		t.Errorf("%s: errno %q, program got %q", ev.Type, ev.Errno, c.errno)
	}
	if ev.FakeCall {
		t.Errorf("%s: fake_call true for a real call", ev.Type)
	}
}

// expectCall asserts the program saw want (errno "" = success, errno kept)
// and the n-th event of that type on the socket records the same.
func expectCall(t *testing.T, r *result, s *tracefile.Socket, typ string, n int, wantErrno string) tracefile.Event {
	t.Helper()
	return expectCallAt(t, r, s, typ, n, n, wantErrno)
}

// expectCallAt is expectCall when the program's n-th call of that name is
// the socket's ev-th event of that type (calls spread over sockets).
func expectCallAt(t *testing.T, r *result, s *tracefile.Socket, typ string, n, evIdx int, wantErrno string) tracefile.Event {
	t.Helper()
	c := r.callN(t, typ, n)
	if wantErrno == "" && (c.ret == -1 || c.errno != "") {
		t.Fatalf("program: %v, want success with errno untouched (stderr: %s)", c, r.stderr)
	}
	if wantErrno != "" && (c.ret != -1 || c.errno != wantErrno) {
		t.Fatalf("program: %v, want failure with %s (errno not preserved?)", c, wantErrno)
	}
	ev := event(t, s, typ, evIdx)
	matches(t, ev, c)
	return ev
}

func detailInt(t *testing.T, ev tracefile.Event, want int64, path ...string) {
	t.Helper()
	got, ok := ev.DetailInt(path...)
	if !ok || got != want {
		t.Errorf("%s: details.%s = %v (present %v), want %d", ev.Type, strings.Join(path, "."), got, ok, want)
	}
}

func detailStr(t *testing.T, ev tracefile.Event, want string, path ...string) {
	t.Helper()
	got, ok := ev.DetailString(path...)
	if !ok || got != want {
		t.Errorf("%s: details.%s = %q (present %v), want %q", ev.Type, strings.Join(path, "."), got, ok, want)
	}
}

func detailBool(t *testing.T, ev tracefile.Event, want bool, path ...string) {
	t.Helper()
	got, ok := ev.DetailBool(path...)
	if !ok || got != want {
		t.Errorf("%s: details.%s = %v (present %v), want %v", ev.Type, strings.Join(path, "."), got, ok, want)
	}
}

// addr checks details.addr (or details.<key>) against a loopback address.
func addr(t *testing.T, ev tracefile.Event, family string, port int64, key ...string) {
	t.Helper()
	if len(key) == 0 {
		key = []string{"addr"}
	}
	ip := "127.0.0.1"
	if family == "AF_INET6" {
		ip = "::1"
	}
	detailStr(t, ev, family, append(key, "sa_family")...)
	detailStr(t, ev, ip, append(key, "ip")...)
	detailStr(t, ev, strconv.FormatInt(port, 10), append(key, "port")...)
}

// sockInfo checks details.sock_info.
func sockInfo(t *testing.T, ev tracefile.Event, domain, typ string, cloexec, nonblock bool) {
	t.Helper()
	detailStr(t, ev, domain, "sock_info", "domain")
	detailStr(t, ev, typ, "sock_info", "type")
	detailBool(t, ev, cloexec, "sock_info", "SOCK_CLOEXEC")
	detailBool(t, ev, nonblock, "sock_info", "SOCK_NONBLOCK")
	if _, ok := ev.Detail("sock_info", "protocol"); !ok {
		t.Errorf("%s: details.sock_info.protocol missing", ev.Type)
	}
}

// noSockets asserts that no process of the trace has a socket file.
func noSockets(t *testing.T, r *result) {
	t.Helper()
	for _, p := range r.trace.Processes {
		for _, s := range p.Sockets {
			t.Errorf("%s: unexpected socket trace %d with events %v", p.Name, s.Index, s.Types())
		}
	}
}

// families runs f for IPv4 and IPv6 as subtests.
func families(t *testing.T, f func(t *testing.T, fam string, famName string)) {
	t.Run("ipv4", func(t *testing.T) { t.Parallel(); f(t, "4", "AF_INET") })
	t.Run("ipv6", func(t *testing.T) { t.Parallel(); f(t, "6", "AF_INET6") })
}

// nm lists the undefined symbols of a built program.
func undefinedSymbols(t *testing.T, prog string) string {
	t.Helper()
	nm := "nm"
	if tgt.name == "linux-aarch64" {
		nm = "aarch64-linux-gnu-nm"
	}
	out, err := exec.Command(nm, "-D", "--undefined-only", prog).CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || errors.Is(err, exec.ErrNotFound) {
			t.Skipf("%s unusable: %v %s", nm, err, out)
		}
	}
	return string(out)
}

// readToolchain parses a toolchains/<target> file (KEY=VALUE lines).
func readToolchain(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			kv[k] = v
		}
	}
	if kv["CC"] == "" {
		return nil, fmt.Errorf("%s: no CC", path)
	}
	return kv, nil
}
