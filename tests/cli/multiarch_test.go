package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A 64-bit shell and a 32-bit program it runs are both under the shim
// (LD_PRELOAD with glibc's $LIB picks the right one), and the loader prints
// no "wrong ELF class" noise for the other.
func TestShellRunsA32BitProgram(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, "lib", "tcpsnitch", "linux-i386", "libtcpsnitch.so")); err != nil {
		t.Skip("no i386 shim (make shim-i386 needs a 32-bit toolchain)")
	}
	client32 := filepath.Join(t.TempDir(), "client32")
	out, err := exec.Command("gcc", "-m32", "-idirafter", "/usr/include/x86_64-linux-gnu", "-O1", "-o", client32,
		filepath.Join("testdata", "client.c")).CombinedOutput()
	if err != nil {
		t.Skipf("cannot build a 32-bit program: %v\n%s", err, out)
	}
	srv := newServer(t, 1000)
	dir := filepath.Join(t.TempDir(), "trace")
	// The 64-bit client first, so a traced 64-bit process exists too.
	script := tool("client") + " " + srv.port + " >/dev/null && exec " + client32 + " " + srv.port
	r := tcpsnitch(t, "", "-n", "-d", dir, "sh", "-c", script)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if strings.Contains(r.errOut, "ELF class") || strings.Contains(r.errOut, "cannot be preloaded") {
		t.Fatalf("loader noise on stderr:\n%s", r.errOut)
	}
	for _, app := range []string{"client", "client32"} {
		p := onlyProcess(t, dir, app)
		s := connectedSocket(t, p, srv.port)
		if types := strings.Join(s.Types(), " "); !strings.HasPrefix(types, "socket connect send") {
			t.Errorf("%s: events %q", app, types)
		}
	}
}
