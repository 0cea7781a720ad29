package realprogs

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// client is one real program fetching a URL; argv returns its command line.
type client struct {
	name  string
	need  []string // programs it needs
	env   []string
	argv  func(t *testing.T, o *origin) []string
	check func(t *testing.T, p *proc) // extra check of its run, may be nil
}

const (
	jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
	tcmalloc = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"
)

// curlArgs: curl fetching o's URL, trusting its CA for HTTPS.
func curlArgs(t *testing.T, o *origin) []string {
	args := []string{"curl", "-sS", o.url}
	if o.caFile != "" {
		args = append(args, "--cacert", o.caFile)
	}
	return args
}

var clients = []client{
	{name: "curl", need: []string{"curl"}, argv: curlArgs},
	{name: "wget", need: []string{"wget"}, argv: func(t *testing.T, o *origin) []string {
		args := []string{"wget", "-q", "-O", "-", "--tries=1", o.url}
		if o.caFile != "" {
			args = append(args, "--ca-certificate="+o.caFile)
		}
		return args
	}},
	{name: "python3", need: []string{"python3"}, argv: func(t *testing.T, o *origin) []string {
		const script = `import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2]) if sys.argv[2] else None
sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], context=ctx).read())`
		return []string{"python3", "-c", script, o.url, o.caFile}
	}},
	{name: "node", need: []string{"node"}, argv: func(t *testing.T, o *origin) []string {
		return []string{"node", filepath.Join(repoRoot, "tests", "realprogs", "testdata", "get.js"), o.url, o.caFile}
	}},
	{name: "java", need: []string{"java", "javac"}, argv: func(t *testing.T, o *origin) []string {
		return []string{"java", "-cp", javaClasses(t), "Get", o.url, o.caFile}
	}},
	{
		name: "curl+jemalloc", need: []string{"curl"}, argv: curlArgs,
		// stats_print proves jemalloc ran the program (it prints at exit).
		env: []string{"LD_PRELOAD=" + jemalloc, "MALLOC_CONF=stats_print:true"},
		check: func(t *testing.T, p *proc) {
			if !strings.Contains(p.err.String(), "Begin jemalloc statistics") {
				t.Errorf("jemalloc did not run curl: no statistics on stderr %q", tail(p.err.String()))
			}
		},
	},
	{
		name: "curl+tcmalloc", need: []string{"curl"}, argv: curlArgs,
		env: []string{"LD_PRELOAD=" + tcmalloc},
	},
}

// Each real client fetches a 100 kB body over HTTP and over HTTPS (verifying
// the certificate) under tcpsnitch: it must exit 0 with the whole body on
// stdout, and its trace must hold every byte that crossed the relay.
func TestClients(t *testing.T) {
	for _, c := range clients {
		for _, scheme := range []string{"http", "https"} {
			t.Run(c.name+"/"+scheme, func(t *testing.T) {
				need(t, c.need...)
				for _, kv := range c.env {
					if lib, ok := strings.CutPrefix(kv, "LD_PRELOAD="); ok {
						needFile(t, lib, map[string]string{jemalloc: "libjemalloc2", tcmalloc: "libtcmalloc-minimal4"}[lib])
					}
				}
				o := newOrigin(t, scheme)
				dir := filepath.Join(t.TempDir(), "trace")
				p := run(t, 30*time.Second, c.env, append([]string{bin, "-n", "-d", dir}, c.argv(t, o)...)...)
				p.mustSucceed(t, dir)
				if strings.Contains(p.err.String(), "cannot be preloaded") {
					t.Fatalf("the loader refused a preload: %q", tail(p.err.String()))
				}
				if out := p.out.String(); out != o.body {
					t.Fatalf("stdout is %d bytes, want the %d-byte body", len(out), len(o.body))
				}
				if c.check != nil {
					c.check(t, p)
				}
				o.relay.settle(t, 10*time.Second)
				checkClientTrace(t, dir, o.relay)
			})
		}
	}
}

var (
	javaOnce sync.Once
	javaDir  string
	javaErr  string
)

// javaClasses compiles testdata/Get.java once and returns its class path.
func javaClasses(t *testing.T) string {
	t.Helper()
	javaOnce.Do(func() {
		dir := filepath.Join(workDir, "java")
		out, err := exec.Command("javac", "-d", dir, filepath.Join(repoRoot, "tests", "realprogs", "testdata", "Get.java")).CombinedOutput()
		if err != nil {
			javaErr = "javac Get.java: " + err.Error() + "\n" + string(out)
			return
		}
		javaDir = dir
	})
	if javaErr != "" {
		t.Fatal(javaErr)
	}
	return javaDir
}
