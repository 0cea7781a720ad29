package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	lineSocket  = `{"type":"socket","timestamp_usec":%d,"return_value":3,"success":true,"thread_id":2,"fake_call":false,"details":{"sock_info":{"domain":"AF_INET6","type":"SOCK_DGRAM","protocol":"17","SOCK_CLOEXEC":false,"SOCK_NONBLOCK":false}}}`
	lineSendto  = `{"type":"sendto","timestamp_usec":%d,"return_value":%d,"success":true,"thread_id":2,"fake_call":false,"details":{"bytes":100,"flags":{},"addr":{"sa_family":"AF_INET6","ip":"2001:db8::1","port":"53"}}}`
	lineRefused = `{"type":"recvfrom","timestamp_usec":%d,"return_value":-1,"success":false,"errno":"ECONNREFUSED","thread_id":2,"fake_call":false,"details":{"bytes":512,"flags":{}}}`
)

// synthArchive is a trace archive made in the test: app, os and a number
// of sendto events (and one failed recvfrom) on one UDP socket.
func synthArchive(t *testing.T, app, osName string, sends int) []byte {
	var ms []tarMember
	for _, m := range []string{"app", "app_version", "cmd", "host_id", "git_hash", "kernel", "machine", "net", "opt_b", "opt_f", "opt_u", "os", "version"} {
		v := m + "-value"
		switch m {
		case "app":
			v = app
		case "os":
			v = osName
		case "cmd":
			v = app + " --flag"
		}
		ms = append(ms, tarMember{name: "./meta/" + m, body: v + "\n"})
	}
	var b strings.Builder
	fmt.Fprintf(&b, lineSocket+"\n", 1000)
	for i := 0; i < sends; i++ {
		fmt.Fprintf(&b, lineSendto+"\n", 1001+i, i)
	}
	fmt.Fprintf(&b, lineRefused+"\n", 5000+sends)
	ms = append(ms, tarMember{name: "./" + app + "_000/0.json", body: b.String()})
	return writeTar(t, ms)
}

func upload(t *testing.T, s *serveProc, archive []byte, fields map[string]string) string {
	t.Helper()
	resp, body := multipartUpload(t, s.URL, fields, "archive.tar.gz", archive, http.Header{"Accept": {"application/json"}})
	var answer struct{ ID, URL, Status string }
	if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &answer) != nil || answer.ID == "" ||
		resp.Header.Get("Location") != answer.URL || answer.URL != s.URL+"/app_traces/"+answer.ID {
		t.Fatalf("upload: %s %s (Location %q)", resp.Status, body, resp.Header.Get("Location"))
	}
	return answer.ID
}

// The list's filters, search and paging, the events browser's filters and
// the socket summary, through the API.
func TestListAndEventsAPI(t *testing.T) {
	s := startServe(t)
	a := upload(t, s, synthArchive(t, "firefox", "Linux", 3), map[string]string{"app_trace[connectivity]": "wifi", "app_trace[workload]": "video call"})
	b := upload(t, s, synthArchive(t, "com.example.app", "android", 5), map[string]string{"app_trace[connectivity]": "lte"})
	c := upload(t, s, synthArchive(t, "firefox", "Linux", 1), map[string]string{"app_trace[connectivity]": "unknown", "app_trace[comments]": "second run"})
	for _, k := range []string{a, b, c} {
		waitImported(t, s.URL, k)
	}
	type list struct {
		Traces []struct {
			ID   string            `json:"id"`
			Meta map[string]string `json:"meta"`
		} `json:"traces"`
		Total, Pages int
	}
	ids := func(q string) string {
		var l list
		getJSON(t, s.URL+"/api/traces"+q, &l)
		var out []string
		for _, tr := range l.Traces {
			out = append(out, tr.ID)
		}
		return fmt.Sprintf("%d:%s", l.Total, strings.Join(out, ","))
	}
	for q, want := range map[string]string{
		"":                     "3:" + c + "," + b + "," + a, // newest first
		"?app=firefox":         "2:" + c + "," + a,
		"?os=android":          "1:" + b,
		"?connectivity=wifi":   "1:" + a,
		"?q=VIDEO":             "1:" + a,
		"?q=second":            "1:" + c,
		"?q=example":           "1:" + b,
		"?app=firefox&os=none": "0:",
	} {
		if got := ids(q); got != want {
			t.Errorf("/api/traces%s: %s, want %s", q, got, want)
		}
	}
	// The HTML list answers JSON too when asked.
	req, _ := http.NewRequest("GET", s.URL+"/app_traces?app=firefox", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	var l list
	json.NewDecoder(resp.Body).Decode(&l)
	resp.Body.Close()
	if l.Total != 2 || l.Traces[0].Meta["net"] != "" || l.Traces[0].Meta["cmd"] != "firefox --flag" {
		t.Errorf("list as JSON: %+v", l)
	}

	type events struct {
		Total  int `json:"total"`
		Events []struct {
			Type    string          `json:"type"`
			Errno   string          `json:"errno"`
			Success bool            `json:"success"`
			Socket  int             `json:"socket"`
			Process string          `json:"process"`
			Details json.RawMessage `json:"details"`
		} `json:"events"`
	}
	var ev events
	getJSON(t, s.URL+"/api/traces/"+b+"/events?failed=1", &ev)
	if ev.Total != 1 || len(ev.Events) != 1 || ev.Events[0].Type != "recvfrom" || ev.Events[0].Errno != "ECONNREFUSED" || ev.Events[0].Success {
		t.Errorf("failed events: %+v", ev)
	}
	getJSON(t, s.URL+"/api/traces/"+b+"/events?type=sendto&limit=2&page=2", &ev)
	if ev.Total != 5 || len(ev.Events) != 2 || ev.Events[0].Process != "com.example.app_000" {
		t.Errorf("sendto page 2: %+v", ev)
	}
	getJSON(t, s.URL+"/api/traces/"+b+"/events?process=com.example.app_000&socket=0", &ev)
	if ev.Total != 7 {
		t.Errorf("events of socket 0: %d, want 7", ev.Total)
	}
	var sock struct {
		Socket struct {
			Domain, Type, Protocol, Peer string
			Remote                       bool
			BytesSent                    int64 `json:"bytes_sent"`
		} `json:"socket"`
	}
	getJSON(t, s.URL+"/api/traces/"+b+"/processes/com.example.app_000/sockets/0", &sock)
	// sendto return values 0..4: 10 bytes; a datagram to a global IPv6 address: remote.
	if sock.Socket.Domain != "AF_INET6" || sock.Socket.Type != "SOCK_DGRAM" || sock.Socket.Protocol != "17" ||
		!sock.Socket.Remote || sock.Socket.Peer != "[2001:db8::1]:53" || sock.Socket.BytesSent != 10 {
		t.Errorf("socket summary %+v", sock.Socket)
	}
	csv := string(download(t, s.URL+"/app_traces/"+b+"/events.csv?failed=1"))
	if csv != "process,socket,seq,type,timestamp_usec,return_value,success,errno,thread_id,fake_call,details\n"+
		"com.example.app_000,0,6,recvfrom,5005,-1,false,ECONNREFUSED,2,false,\"{\"\"bytes\"\":512,\"\"flags\"\":{}}\"\n" {
		t.Errorf("events.csv?failed=1:\n%s", csv)
	}
	for _, u := range []string{"/app_traces/nosuchtrace", "/api/traces/" + a + "/processes/nope_000", "/api/traces/" + a + "/processes/firefox_000/sockets/9", "/app_traces/" + a + "/processes/firefox_000/files/logs.txt"} {
		resp, err := http.Get(s.URL + u)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %s, want 404", u, resp.Status)
		}
	}
}

// SIGTERM while a large trace imports: the server stops within its grace
// period, and the next start finishes the import with every event once.
func TestShutdownDuringImportResumes(t *testing.T) {
	const sends = 400000
	data := synthArchive(t, "bulk", "Linux", sends)
	dataDir := t.TempDir()
	first := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--shutdown-timeout", "100ms")
	logs := &lockedBuffer{}
	first.Stderr = logs
	out, _ := first.StdoutPipe()
	must(t, first.Start())
	line := make([]byte, 200)
	n, _ := out.Read(line)
	url := strings.TrimSpace(strings.TrimPrefix(string(line[:n]), "tcpsnitch serve: listening on "))
	key := upload(t, &serveProc{URL: url}, data, nil)
	// Wait for the import to start, then stop the server.
	deadline := time.Now().Add(2 * time.Minute)
	for st := status(t, url, key); st != "importing" && st != "imported" && time.Now().Before(deadline); st = status(t, url, key) {
		time.Sleep(5 * time.Millisecond)
	}
	must(t, first.Process.Signal(syscall.SIGTERM))
	if err := first.Wait(); err != nil {
		t.Fatalf("first server: %v\n%s", err, logs)
	}
	interrupted := strings.Contains(logs.String(), "resumes at the next start")
	s := startServeIn(t, dataDir)
	tr := waitImported(t, s.URL, key)
	if tr.Trace.Events != sends+2 || tr.Trace.Sockets != 1 {
		t.Fatalf("after the restart: %d events, %d sockets; want %d, 1", tr.Trace.Events, tr.Trace.Sockets, sends+2)
	}
	var ev struct{ Total int }
	getJSON(t, s.URL+"/api/traces/"+key+"/events?type=sendto&limit=1", &ev)
	if ev.Total != sends {
		t.Fatalf("%d sendto events stored, want %d", ev.Total, sends)
	}
	t.Logf("import interrupted by SIGTERM: %v; resumed and complete after the restart", interrupted)
}

func status(t *testing.T, url, key string) string {
	var tr apiTrace
	getJSON(t, url+"/api/traces/"+key, &tr)
	return tr.Trace.Status
}
