package tracefile

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/valyala/fastjson"
)

func scanAll(t *testing.T, in string) ([]Raw, []Problem) {
	t.Helper()
	var evs []Raw
	var probs []Problem
	err := Scan(strings.NewReader(in), "f.json", func(e *Raw) error {
		c := *e
		c.detailsRaw = append([]byte(nil), e.detailsRaw...)
		c.parser, c.parsed, c.details = nil, false, nil
		evs = append(evs, c)
		return nil
	}, func(p Problem) { probs = append(probs, p) })
	if err != nil {
		t.Fatal(err)
	}
	return evs, probs
}

// Scan reads what ParseEvent reads, and refuses what it refuses, each
// refusal a problem with its line.
func TestScanAgreesWithParseEvent(t *testing.T) {
	withDur := strings.Replace(connectLine, `"fake_call": false`, `"fake_call": false, "duration_nsec": 1234`, 1)
	nested := `{"type":"x","timestamp_usec":1,"return_value":0,"success":true,"thread_id":2,"fake_call":false,"details":{"s":"a}\"]{","v":[1,{"k":[]}]}}`
	// details first (not last): found by walking the value
	detailsFirst := `{"details": {"x": {"y": [1, 2]}}, "type":"x","timestamp_usec":1,"return_value":0,"success":true,"thread_id":2,"fake_call":false}`
	evs, probs := scanAll(t, socketLine+"\n"+refusedLine+"\n\n"+withDur+"\n"+nested+"\n"+detailsFirst+"\n")
	if len(probs) != 0 || len(evs) != 5 || string(evs[4].detailsRaw) != `{"x": {"y": [1, 2]}}` || string(evs[3].detailsRaw) != `{"s":"a}\"]{","v":[1,{"k":[]}]}` {
		t.Fatalf("events %d problems %v", len(evs), probs)
	}
	for i, line := range []string{socketLine, refusedLine} {
		want, _ := ParseEvent([]byte(line))
		got := evs[i]
		if got.Type != want.Type || got.TimestampUsec != want.TimestampUsec || got.ReturnValue != want.ReturnValue ||
			got.Success != want.Success || got.Errno != want.Errno || got.ThreadID != want.ThreadID || got.FakeCall != want.FakeCall {
			t.Errorf("line %d: %+v, ParseEvent %+v", i+1, got, want)
		}
	}
	if evs[0].DurationNsec != -1 || evs[2].DurationNsec != 1234 || evs[2].Line != 4 {
		t.Errorf("durations %d %d, line %d", evs[0].DurationNsec, evs[2].DurationNsec, evs[2].Line)
	}
	ev := evs[2]
	var p Parser
	ev.parser = &p.p
	if port, ok := ev.DetailInt("addr", "port"); !ok || port != 53 {
		t.Errorf("lazy details: port %d %v", port, ok)
	}
	if b, ok := (&Raw{detailsRaw: evs[0].detailsRaw, parser: &p.p}).DetailBool("sock_info", "SOCK_NONBLOCK"); !ok || !b {
		t.Error("SOCK_NONBLOCK")
	}
}

// Parser is only here so the test can hand Raw a parser.
type Parser struct{ p fastjson.Parser }

func TestScanReportsEveryBadLineAndGoesOn(t *testing.T) {
	cases := []string{
		connectLine[:60],
		strings.Replace(connectLine, `"type": "connect", `, "", 1),
		strings.Replace(connectLine, `"thread_id": 17313, `, "", 1),
		strings.Replace(connectLine, `"return_value": 0`, `"return_value": "0"`, 1),
		strings.Replace(connectLine, `1491043720731853`, `1.5`, 1),
		strings.Replace(refusedLine, `"errno":"ECONNREFUSED",`, "", 1),
		strings.Replace(socketLine, `"details":{`, `"details":[{`, 1) + "]",
		connectLine + " {}",
		"[" + connectLine + "]",
		"garbage",
		strings.Replace(connectLine, `"success": true`, `"success": tru`, 1),
		strings.Replace(connectLine, `"port": "53"}}}`, `"port": "53"}}`, 1),
		strings.Replace(connectLine, `"thread_id": 17313`, `"thread_id": 99999999999999999999`, 1),
	}
	in := strings.Join(cases, "\n"+socketLine+"\n")
	evs, probs := scanAll(t, in)
	if len(evs) != len(cases)-1 || len(probs) != len(cases) {
		t.Fatalf("%d events (want %d), problems: %v", len(evs), len(cases)-1, probs)
	}
	for i, p := range probs {
		if p.File != "f.json" || p.Line != 2*i+1 {
			t.Errorf("problem %d at %s:%d: %s", i, p.File, p.Line, p.Msg)
		}
	}
	if !strings.Contains(probs[len(probs)-1].String(), "f.json:25:") {
		t.Errorf("last: %v", probs[len(probs)-1])
	}
	_, probs = scanAll(t, socketLine+"\n"+connectLine[:50])
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "truncated last line") || probs[0].Line != 2 {
		t.Errorf("truncated last line: %v", probs)
	}
}

func TestWalkDirectoryArchivesAndNonTraces(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "meta", "app"), "curl\n")
	write(t, filepath.Join(dir, "curl_000", "10.json"), socketLine+"\n")
	write(t, filepath.Join(dir, "curl_000", "2.json"), socketLine+"\n")
	write(t, filepath.Join(dir, "curl_000", "2.pcap"), "x")
	write(t, filepath.Join(dir, "curl_000", "dns.json"), "")
	write(t, filepath.Join(dir, "curl_000", "logs.txt"), "")
	write(t, filepath.Join(dir, "notaprocess", "0.json"), "")
	list := func(p string) string {
		var out []string
		err := Walk(p, func(e Entry) error {
			f, err := e.Open()
			if err != nil {
				return err
			}
			f.Close()
			out = append(out, e.Process+"/"+e.Name)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return strings.Join(out, " ")
	}
	if got := list(dir); got != "curl_000/2.json curl_000/2.pcap curl_000/10.json curl_000/dns.json curl_000/logs.txt /app" {
		t.Errorf("directory: %s", got)
	}
	tgz, err := archive.Create(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := list(tgz); len(strings.Fields(got)) != 6 {
		t.Errorf("tar.gz: %s", got)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, n := range []string{"trace/meta/app", "trace/curl_000/0.json", "trace/readme.txt"} {
		w, _ := zw.Create(n)
		w.Write([]byte(socketLine))
	}
	zw.Close()
	zp := filepath.Join(t.TempDir(), "t.zip")
	os.WriteFile(zp, zb.Bytes(), 0o644)
	if got := list(zp); got != "/app curl_000/0.json" {
		t.Errorf("zip: %q", got)
	}
	var nt *NotATraceError
	empty := t.TempDir()
	junk := filepath.Join(empty, "junk.txt")
	os.WriteFile(junk, []byte("hello"), 0o644)
	for _, p := range []string{empty, junk} {
		if err := Walk(p, func(Entry) error { return nil }); !errors.As(err, &nt) {
			t.Errorf("%s: %v", p, err)
		}
	}
	if err := Walk(filepath.Join(empty, "missing"), func(Entry) error { return nil }); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing: %v", err)
	}
}
