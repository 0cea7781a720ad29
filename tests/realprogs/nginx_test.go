package realprogs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

const nginxWorkers = 2

// nginxConf is a configuration of nginx's own in dir: a root master with
// `user nobody;` workers, listening on port, logging per request the bytes
// it read and sent.
func nginxConf(dir string, port int) string {
	return fmt.Sprintf(`user nobody nogroup;
worker_processes %[3]d;
daemon off;
master_process on;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 512; }
http {
  log_format counts '$request_length $bytes_sent $status';
  access_log %[1]s/access.log counts;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  scgi_temp_path %[1]s/scgi;
  uwsgi_temp_path %[1]s/uwsgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:%[2]d;
    root %[1]s/www;
  }
}
`, dir, port, nginxWorkers)
}

// nginxPath finds nginx, which lives in /usr/sbin (not always in PATH).
func nginxPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	need(t, "nginx")
	return ""
}

// nginx started as root switches its workers to nobody; they serve ab's
// requests through a counting relay. tcpsnitch must trace the workers as
// well as the master: every connection the relay made is an accepted socket
// in a worker's process directory with the bytes that crossed the relay on
// that connection, and every request in nginx's access log is one of those
// sockets answering.
func TestNginxWorkersAsNobody(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("nginx switches its workers to nobody only when started as root: run the suite as root (CI does)")
	}
	need(t, "ab")
	nginx := nginxPath(t)
	dir := sharedTempDir(t)
	port := freePort(t)
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	page := strings.Repeat("served by nginx to ab\n", 500)
	writeFile(t, filepath.Join(dir, "www", "index.html"), page)
	conf := filepath.Join(dir, "nginx.conf")
	writeFile(t, conf, nginxConf(dir, port))
	trace := filepath.Join(dir, "trace")

	srv := traced(t, trace, nil, nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf)
	// The master writes its pid once its listening socket is open.
	waitFile(t, srv, filepath.Join(dir, "nginx.pid"), "\n", 20*time.Second, "")

	// HTTP/1.0, one connection per request; ab also opens a few that it
	// closes unused when it is done, which nginx accepts but never logs.
	const requests = 2000
	r := newRelay(t, "127.0.0.1:"+strconv.Itoa(port))
	ab := run(t, 90*time.Second, nil, "ab", "-q", "-n", strconv.Itoa(requests), "-c", "20",
		"http://"+r.addr()+"/index.html")
	ab.mustSucceed(t, "")
	if out := ab.out.String(); !strings.Contains(out, fmt.Sprintf("Complete requests:      %d\n", requests)) ||
		!strings.Contains(out, "Failed requests:        0\n") {
		t.Fatalf("ab did not complete %d requests: %s", requests, out)
	}
	run(t, 30*time.Second, nil, nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf, "-s", "quit").mustSucceed(t, "")
	srv.wait(t, 30*time.Second)
	srv.mustSucceed(t, trace)
	r.settle(t, 10*time.Second)

	// nginx's own count of the requests it answered.
	var logged int64
	b, err := os.ReadFile(filepath.Join(dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rl, bs, status int64
		if _, err := fmt.Sscan(line, &rl, &bs, &status); err != nil || status != 200 {
			t.Fatalf("access log line %q: want \"<request_length> <bytes_sent> 200\"", line)
		}
		logged++
	}
	if logged != requests {
		t.Fatalf("nginx logged %d requests, ab made %d", logged, requests)
	}

	tr := openTrace(t, trace)
	master, workers := splitNginx(t, tr, port)
	if n := len(accepted(master)); n != 0 {
		t.Errorf("the master %s accepted %d connections; its workers serve them", master.Name, n)
	}
	var conns []*tracefile.Socket
	for _, w := range workers {
		conns = append(conns, accepted(w)...)
	}
	if int64(len(conns)) != r.conns.Load() {
		t.Fatalf("the workers' directories hold %d accepted sockets, %d connections reached nginx; processes %s",
			len(conns), r.conns.Load(), processNames(tr))
	}
	checkServerConns(t, "nginx", conns, r)
	var answered int64
	for _, s := range conns {
		if moved(s, sendTypes) > 0 {
			answered++
		}
	}
	if answered != logged {
		t.Errorf("%d accepted sockets in the trace were written to, nginx logged %d requests", answered, logged)
	}
}

// splitNginx finds the master (the process that bound the listening socket)
// and the workers, and checks every process directory is named after the
// program executed, nginx, not after the title nginx gives its processes.
func splitNginx(t *testing.T, tr *tracefile.Trace, port int) (master *tracefile.Process, workers []*tracefile.Process) {
	t.Helper()
	for _, p := range tr.Processes {
		if p.App != "nginx" {
			t.Errorf("process directory %s: want nginx_NNN, named from the program executed", p.Name)
		}
		if s := listeningOn(p, port); s != nil && !s.Events[0].FakeCall {
			master = p
		} else {
			workers = append(workers, p)
		}
	}
	if master == nil || len(workers) != nginxWorkers {
		t.Fatalf("want the master (bound port %d) and %d workers, the trace has %s", port, nginxWorkers, processNames(tr))
	}
	return master, workers
}
