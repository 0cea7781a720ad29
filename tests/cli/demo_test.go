package cli

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scripts/demo.sh (make demo) traces curl against its own server, shows
// the trace's report, and stops the server.
func TestDemoScript(t *testing.T) {
	cmd := exec.Command(filepath.Join(repoRoot, "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "TCPSNITCH="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	text := string(out)
	m := regexp.MustCompile(`-n -d (\S+) curl http://127\.0\.0\.1:(\d+)/`).FindStringSubmatch(text)
	if m == nil || !strings.Contains(text, "Trace saved in "+m[1]+".") ||
		!strings.Contains(text, "report "+m[1]) || !regexp.MustCompile(`TCP4\s+127\.0\.0\.1:\d+ → 127\.0\.0\.1:`+m[2]).MatchString(text) ||
		!strings.Contains(text, "Total: 1 process, ") {
		t.Fatalf("demo output:\n%s", text)
	}
	defer os.RemoveAll(filepath.Dir(m[1]))
	if c, err := net.Dial("tcp", "127.0.0.1:"+m[2]); err == nil {
		c.Close()
		t.Fatalf("the demo's server on port %s still answers", m[2])
	}
}
