package runner

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// VersionProbeTimeout bounds `<cmd> --version`.
const VersionProbeTimeout = 2 * time.Second

// AppVersion runs `<path> --version` to fill meta/app_version, but only when
// that is safe: an ELF executable (never a script, whose interpreter would
// run arbitrary code), not set-ID, and whose file contains the string
// "--version" (a program that never mentions the flag would treat it as
// something else, maybe as an order to do its real work). It runs untraced,
// with stdin from /dev/null, output captured, in its own process group that
// is killed after VersionProbeTimeout. Returns the trimmed stdout of a
// successful run, else "".
func AppVersion(ctx context.Context, path string, b Binary) string {
	if !b.ELF || b.Secure != "" || !containsBytes(path, []byte("--version"), 256<<20) {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, VersionProbeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = untracedEnv(os.Environ())
	var out, errOut limitedBuffer
	out.limit, errOut.limit = 4096, 4096
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return ""
	}
	return strings.TrimSpace(out.String())
}

// untracedEnv is env without the shim and its options.
func untracedEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "LD_PRELOAD=") || strings.HasPrefix(kv, "TCPSNITCH_OPT_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// limitedBuffer keeps the first limit bytes and discards the rest (so a
// chatty program cannot fill memory), while accepting every write.
type limitedBuffer struct {
	bytes.Buffer
	limit int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.limit - l.Len(); room > 0 {
		l.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
