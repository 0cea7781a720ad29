package tracefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spoolRecord is one record of the shim's process spool (shim/spool.h).
func spoolRecord(sock int, lines ...string) string {
	body := strings.Join(lines, "\n") + "\n"
	return fmt.Sprintf("@%010d %010d\n%s", sock, len(body), body)
}

// A process directory whose spool was never split (tcpsnitch was killed)
// reads as if it had been: each socket's events in order; an N.json left
// by an interrupted split is ignored for the sockets the spool holds, and
// a socket with only an N.json is read from it.
func TestReadProcessWithUnsplitSpool(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "app_000")
	os.Mkdir(dir, 0o755)
	spool := spoolRecord(0, socketLine) + spoolRecord(1, socketLine, refusedLine) + spoolRecord(0, connectLine)
	spool += spoolRecord(1, connectLine)[:40] // cut by a kill mid-record
	os.WriteFile(filepath.Join(dir, "events.spool"), []byte(spool), 0o644)
	os.WriteFile(filepath.Join(dir, "0.json"), []byte(socketLine+"\n"), 0o644) // half a split
	os.WriteFile(filepath.Join(dir, "2.json"), []byte(connectLine+"\n"), 0o644)
	p, err := ReadProcess(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Sockets {
		got = append(got, fmt.Sprint(s.Index, s.Types()))
	}
	want := "0 [socket connect], 1 [socket connect], 2 [connect]"
	if strings.Join(got, ", ") != want {
		t.Fatalf("sockets %s; want %s", strings.Join(got, ", "), want)
	}
	if e := p.Socket(1).Events[1]; e.Errno != "ECONNREFUSED" {
		t.Fatalf("socket 1's second event: %+v", e)
	}
}
