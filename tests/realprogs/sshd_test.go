package realprogs

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// sshd forks a child per connection, re-executes itself, and forks the
// pre-authentication child that speaks to the network: it chroots to
// /run/sshd, drops to the sshd user, sets RLIMIT_FSIZE to 0 and
// RLIMIT_NOFILE to 1, and installs a seccomp filter. Traced, that child
// used to die of SIGXFSZ at exit (the shim wrote its error about the
// unreachable spool to sshd's log file) and the login failed (ssh exit
// 255); its events, the key exchange and authentication, were lost.
// Here a traced ssh runs a command over a traced sshd through a relay: the
// command's output must arrive, and the two traces must hold every byte
// the relay counted.
func TestSSHDPrivsepSandbox(t *testing.T) {
	need(t, "ssh", "ssh-keygen")
	needFile(t, "/usr/sbin/sshd", "openssh-server")
	if os.Geteuid() != 0 {
		t.Skip("sshd's privilege separation (chroot, the sshd user) needs root")
	}
	// What the package's service does before starting sshd.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := sharedTempDir(t)
	hostKey, userKey := filepath.Join(dir, "host_key"), filepath.Join(dir, "user_key")
	for _, k := range []string{hostKey, userKey} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v %s", err, out)
		}
	}
	pub, err := os.ReadFile(userKey + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "authorized_keys"), string(pub))
	port := freePort(t)
	pidFile, log := filepath.Join(dir, "sshd.pid"), filepath.Join(dir, "sshd.log")
	config := filepath.Join(dir, "sshd_config")
	writeFile(t, config, strings.Join([]string{
		"Port " + strconv.Itoa(port),
		"ListenAddress 127.0.0.1",
		"HostKey " + hostKey,
		"AuthorizedKeysFile " + filepath.Join(dir, "authorized_keys"),
		"PidFile " + pidFile,
		"UsePAM no",
		"StrictModes no", // the keys live in the test's temp dir
		"PermitRootLogin yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"UseDNS no",
	}, "\n")+"\n")

	// sshd -e logs on stderr, here a file, as `sshd -D -e 2>>log` would.
	serverTrace, clientTrace := filepath.Join(dir, "server-trace"), filepath.Join(dir, "client-trace")
	srv := start(t, nil, "sh", "-c", `exec "$0" -n -d "$1" /usr/sbin/sshd -D -e -f "$2" 2>>"$3"`, bin, serverTrace, config, log)
	waitFile(t, srv, log, "Server listening on", 20*time.Second, "")

	r := newRelay(t, "127.0.0.1:"+strconv.Itoa(port))
	const n = 300000
	cli := run(t, 60*time.Second, nil, bin, "-n", "-d", clientTrace, "ssh", "-F", "/dev/null", "-i", userKey,
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-p", strconv.Itoa(r.port),
		me.Username+"@127.0.0.1", "head -c "+strconv.Itoa(n)+" /dev/zero | wc -c")
	cli.mustSucceed(t, clientTrace)
	if got := strings.TrimSpace(strings.SplitN(cli.out.String(), "\n", 2)[0]); got != strconv.Itoa(n) {
		t.Fatalf("the command run over ssh printed %q, want %d", got, n)
	}
	r.settle(t, 20*time.Second)

	pid, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	sshdPid, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	syscall.Kill(sshdPid, syscall.SIGTERM)
	srv.wait(t, 30*time.Second)
	b, _ := os.ReadFile(log)
	if srv.code != 0 || !strings.Contains(string(b), "\nTrace saved in "+serverTrace+".\n") {
		t.Fatalf("traced sshd exited %d; its log %q", srv.code, tail(string(b)))
	}

	checkClientTrace(t, clientTrace, r)
	// One connection, handed from process to process (accept, fork,
	// re-exec, the pre-auth child, the session): the bytes of every
	// socket of every sshd process add up to what crossed the relay.
	tr := openTrace(t, serverTrace)
	var socks []*tracefile.Socket
	for _, p := range tr.ProcessesOf("sshd") {
		socks = append(socks, p.Sockets...)
	}
	sent, received := totals(socks)
	if sent != r.fromServer.Load() || received != r.toServer.Load() {
		t.Errorf("the trace says sshd sent %d and received %d bytes, the relay took %d from it and gave it %d; processes %s",
			sent, received, r.fromServer.Load(), r.toServer.Load(), processNames(tr))
	}
}
