package realprogs

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Headless Chromium loads a page under tcpsnitch: a browser process, a
// zygote, renderers and a network service, its own allocator. Without
// --no-sandbox (as nobody: Chromium refuses its sandbox to root) the zygote
// is chrooted from a clone() child without TLS, in new namespaces, and the
// renderers run under a seccomp-bpf policy that kills them for getsockopt:
// the shim used to crash the first and get the others killed, and Chromium
// aborted or hung. It must exit 0 with the page's DOM, and the trace must
// hold every byte of every connection that crossed the relay.
func TestChromium(t *testing.T) {
	for _, sandbox := range []bool{false, true} {
		name := "no-sandbox"
		if sandbox {
			name = "sandbox"
		}
		t.Run(name, func(t *testing.T) {
			need(t, "chromium")
			o := newOrigin(t, "http")
			home := shortHome(t)
			dir := filepath.Join(sharedTempDir(t), "trace")
			args := []string{bin, "-n", "-d", dir}
			if sandbox {
				if os.Geteuid() != 0 {
					// Chromium's own sandbox, for the user running the test.
					args = append(args, "chromium")
				} else {
					need(t, "runuser")
					// nobody must be able to read the shim that the loader
					// maps into each program runuser starts.
					args = append(args, "--shim", readableShim(t), "runuser", "-u", "nobody", "--", "chromium")
				}
			} else {
				args = append(args, "chromium", "--no-sandbox")
			}
			args = append(args, "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--user-data-dir="+filepath.Join(home, "profile"),
				"--dump-dom", o.url)
			// Chromium makes its singleton socket under TMPDIR: one nobody can write.
			p := run(t, 90*time.Second, []string{"HOME=" + home, "TMPDIR=" + home}, args...)
			p.mustSucceed(t, dir)
			// A text/plain page: Chromium wraps the body in a <pre>.
			if !strings.Contains(p.out.String(), o.body[:1000]) || len(p.out.String()) < len(o.body) {
				t.Fatalf("the DOM on stdout (%d bytes) does not hold the %d-byte page; stderr %q", len(p.out.String()), len(o.body), tail(p.err.String()))
			}
			o.relay.settle(t, 10*time.Second)
			checkClientTrace(t, dir, o.relay)
		})
	}
}

// shortHome is a directory any user can write, with a short path:
// Chromium puts its singleton socket below TMPDIR, and a unix socket's
// path must fit in 108 bytes, which t.TempDir() below the suite's
// temporary directory does not.
func shortHome(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "tcpsnitch-cr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o777); err != nil {
		t.Fatal(err)
	}
	return d
}

// readableShim copies the shim where any user can read it (the repository
// may sit below a directory only its owner can enter).
func readableShim(t *testing.T) string {
	t.Helper()
	src, err := os.Open(filepath.Join(repoRoot, "lib", "tcpsnitch", "linux-x86_64", "libtcpsnitch.so"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(sharedTempDir(t), "libtcpsnitch.so")
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
