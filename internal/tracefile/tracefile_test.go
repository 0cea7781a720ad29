package tracefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const connectLine = `{"type": "connect", "timestamp_usec": 1491043720731853, "return_value": 0, "success": true, "thread_id": 17313, "fake_call": false, "details": {"addr": {"sa_family": "AF_INET", "ip": "127.0.1.1", "port": "53"}}}`
const refusedLine = `{"type":"connect","timestamp_usec":1,"return_value":-1,"success":false,"errno":"ECONNREFUSED","thread_id":2,"fake_call":false,"details":{"addr":{"sa_family":"AF_INET6","ip":"::1","port":"9"}}}`
const socketLine = `{"type":"socket","timestamp_usec":1,"return_value":3,"success":true,"thread_id":2,"fake_call":false,"details":{"sock_info":{"domain":"AF_INET","type":"SOCK_STREAM","protocol":"0","SOCK_CLOEXEC":false,"SOCK_NONBLOCK":true}}}`

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseEventExampleFromFormat(t *testing.T) {
	ev, err := ParseEvent([]byte(connectLine))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != "connect" || ev.TimestampUsec != 1491043720731853 || ev.ReturnValue != 0 ||
		!ev.Success || ev.Errno != "" || ev.ThreadID != 17313 || ev.FakeCall {
		t.Fatalf("common fields wrong: %+v", ev)
	}
	if ip, _ := ev.DetailString("addr", "ip"); ip != "127.0.1.1" {
		t.Errorf("addr.ip = %q", ip)
	}
	if port, ok := ev.DetailInt("addr", "port"); !ok || port != 53 {
		t.Errorf("addr.port as int = %d, %v", port, ok)
	}
	if s, ok := ev.DetailString("addr", "port"); !ok || s != "53" {
		t.Errorf("addr.port as string = %q, %v", s, ok)
	}
	if _, ok := ev.Detail("addr", "nope"); ok {
		t.Error("missing key reported as present")
	}
	if _, ok := ev.DetailBool("addr", "ip"); ok {
		t.Error("string reported as bool")
	}
}

func TestParseEventFailureAndBools(t *testing.T) {
	ev, err := ParseEvent([]byte(refusedLine))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Success || ev.Errno != "ECONNREFUSED" || ev.ReturnValue != -1 {
		t.Fatalf("failure fields wrong: %+v", ev)
	}
	ev, err = ParseEvent([]byte(socketLine))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := ev.DetailBool("sock_info", "SOCK_NONBLOCK"); !ok || !b {
		t.Errorf("SOCK_NONBLOCK = %v, %v", b, ok)
	}
	if p, ok := ev.DetailInt("sock_info", "protocol"); !ok || p != 0 {
		t.Errorf("protocol = %v, %v", p, ok)
	}
}

func TestParseEventRejectsMalformed(t *testing.T) {
	cases := map[string]string{
		"truncated":          connectLine[:60],
		"missing type":       strings.Replace(connectLine, `"type": "connect", `, "", 1),
		"missing thread_id":  strings.Replace(connectLine, `"thread_id": 17313, `, "", 1),
		"string retval":      strings.Replace(connectLine, `"return_value": 0`, `"return_value": "0"`, 1),
		"float timestamp":    strings.Replace(connectLine, `1491043720731853`, `1.5`, 1),
		"failure, no errno":  strings.Replace(refusedLine, `"errno":"ECONNREFUSED",`, "", 1),
		"success with errno": strings.Replace(refusedLine, `"success":false`, `"success":true`, 1),
		"details not object": strings.Replace(socketLine, `"details":{`, `"details":[{`, 1) + "]",
		"two values":         connectLine + " {}",
		"array":              "[" + connectLine + "]",
	}
	for name, line := range cases {
		if _, err := ParseEvent([]byte(line)); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
}

func TestReadEventsNamesTheBadLine(t *testing.T) {
	in := socketLine + "\n\n" + connectLine + "\n" + `{"type":"close"` + "\n"
	_, err := ReadEvents(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("want an error naming line 4, got %v", err)
	}
	evs, err := ReadEvents(strings.NewReader(socketLine + "\n\n" + connectLine + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != "socket" || evs[1].Type != "connect" || evs[1].Line != 3 {
		t.Fatalf("got %+v", evs)
	}
}

func TestOpenTraceDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "meta", "app"), "curl\n")
	write(t, filepath.Join(dir, "curl_000", "0.json"), socketLine+"\n"+connectLine+"\n")
	write(t, filepath.Join(dir, "curl_000", "10.json"), socketLine+"\n")
	write(t, filepath.Join(dir, "curl_000", "2.json"), socketLine+"\n")
	write(t, filepath.Join(dir, "curl_000", "2.pcap"), "x")
	write(t, filepath.Join(dir, "curl_000", "logs.txt"), "tcpsnitch: 4 events recorded, 0 dropped\n")
	write(t, filepath.Join(dir, "curl_001", "0.json"), "")
	write(t, filepath.Join(dir, "my_app_000", "0.json"), socketLine+"\n")
	write(t, filepath.Join(dir, "notaprocess", "0.json"), "garbage")

	tr, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range tr.Processes {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "curl_000,curl_001,my_app_000" {
		t.Fatalf("processes = %s", got)
	}
	p := tr.Processes[0]
	if p.App != "curl" || p.Seq != 0 || !strings.Contains(p.Logs, "4 events recorded") {
		t.Errorf("process fields: %+v", p)
	}
	if len(p.Sockets) != 3 || p.Sockets[0].Index != 0 || p.Sockets[1].Index != 2 || p.Sockets[2].Index != 10 {
		t.Fatalf("sockets not sorted by index: %+v", p.Sockets)
	}
	if p.Socket(2).PcapPath == "" || p.Socket(0).PcapPath != "" {
		t.Error("pcap paths wrong")
	}
	if got := strings.Join(p.Socket(0).Types(), ","); got != "socket,connect" {
		t.Errorf("types = %s", got)
	}
	if n := len(p.Socket(0).OfType("connect")); n != 1 {
		t.Errorf("OfType(connect) = %d", n)
	}
	if p.Socket(7) != nil {
		t.Error("Socket(7) should be nil")
	}
	if tr.Processes[1].Seq != 1 || len(tr.Processes[1].Socket(0).Events) != 0 {
		t.Error("curl_001 wrong")
	}
	if got := tr.ProcessesOf("my_app"); len(got) != 1 || got[0].Name != "my_app_000" {
		t.Errorf("ProcessesOf(my_app) = %v", got)
	}
}

func TestOpenReportsBrokenFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sh_000", "0.json"), socketLine+"\n{\n")
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "0.json") || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("want error naming the file and line, got %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing directory accepted")
	}
}
