package spool

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// spoolWriter builds spools the way shim/spool.c lays them out, and keeps
// what each socket was given as the truth to compare against.
type spoolWriter struct {
	buf  bytes.Buffer
	want map[int]*bytes.Buffer
	ends []lineEnd // every line, in file order
}

type lineEnd struct {
	sock int
	end  int // offset just past its newline
	line string
}

func newSpoolWriter() *spoolWriter { return &spoolWriter{want: map[int]*bytes.Buffer{}} }

func (w *spoolWriter) record(sock int, lines ...string) {
	body := strings.Join(lines, "\n") + "\n"
	fmt.Fprintf(&w.buf, "@%010d %010d\n", sock, len(body))
	start := w.buf.Len()
	w.buf.WriteString(body)
	off := start
	for _, l := range lines {
		off += len(l) + 1
		w.ends = append(w.ends, lineEnd{sock, off, l + "\n"})
	}
	if w.want[sock] == nil {
		w.want[sock] = &bytes.Buffer{}
	}
	w.want[sock].WriteString(body)
}

func (w *spoolWriter) save(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, Name), w.buf.Bytes()[:n], 0o644); err != nil {
		t.Fatal(err)
	}
}

func event(sock, seq int) string {
	return fmt.Sprintf(`{"type": "send", "sock": %d, "seq": %d}`, sock, seq)
}

func readSocketFiles(t *testing.T, dir string) map[int]string {
	t.Helper()
	got := map[int]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		id, err := strconv.Atoi(name)
		if err != nil {
			t.Fatalf("unexpected file %s", e.Name())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got[id] = string(b)
	}
	return got
}

// Thousands of sockets whose lines are spread over many interleaved
// records (as the writer's passes leave them): each N.json holds exactly
// its socket's lines, in the order they were appended, and the spool is
// gone.
func TestSplitThousandsOfSocketsKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	w := newSpoolWriter()
	const socks = 2000
	seq := make([]int, socks)
	for pass := 0; pass < 4; pass++ {
		for _, s := range rng.Perm(socks) {
			if rng.Intn(3) == 0 {
				continue // not dirty in this pass
			}
			var lines []string
			for k := rng.Intn(4); k >= 0; k-- {
				lines = append(lines, event(s, seq[s]))
				seq[s]++
			}
			w.record(s, lines...)
		}
	}
	dir := t.TempDir()
	w.save(t, dir, w.buf.Len())
	n, err := Split(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(w.want) {
		t.Fatalf("split %d sockets, the spool had %d", n, len(w.want))
	}
	got := readSocketFiles(t, dir)
	if len(got) != len(w.want) {
		t.Fatalf("%d N.json files, want %d", len(got), len(w.want))
	}
	for s, b := range w.want {
		if got[s] != b.String() {
			t.Fatalf("%d.json differs from what was spooled for socket %d:\n got %.200q\nwant %.200q", s, s, got[s], b.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, Name)); !os.IsNotExist(err) {
		t.Fatalf("the spool is still there after the split (%v)", err)
	}
}

// A process killed mid-append leaves its last record cut anywhere, even in
// its header. Cut at every byte of the last two records: each socket gets
// exactly the lines that were complete at the cut, nothing more, nothing
// reordered.
func TestSplitSpoolCutAtEveryByte(t *testing.T) {
	w := newSpoolWriter()
	w.record(3, event(3, 0), event(3, 1))
	w.record(7, event(7, 0))
	w.record(3, event(3, 2), event(3, 3), event(3, 4))
	lastTwo := len(w.buf.Bytes()) - (hdrLen + len(event(3, 2))*3 + 3) - (hdrLen + len(event(7, 0)) + 1)
	for cut := lastTwo; cut <= w.buf.Len(); cut++ {
		want := map[int]string{}
		for _, l := range w.ends {
			if l.end <= cut {
				want[l.sock] += l.line
			}
		}
		dir := t.TempDir()
		w.save(t, dir, cut)
		x, err := Open(filepath.Join(dir, Name))
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if x.Cut != (cut < w.buf.Len() && !recordBoundary(w, cut)) {
			t.Fatalf("cut at %d: Cut=%v", cut, x.Cut)
		}
		if _, err := Split(dir); err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		got := readSocketFiles(t, dir)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("cut at %d:\n got %v\nwant %v", cut, got, want)
		}
	}
}

// recordBoundary: cut falls between two records (the spool is whole).
func recordBoundary(w *spoolWriter, cut int) bool {
	b := w.buf.Bytes()
	for off := 0; off < len(b); {
		if off == cut {
			return true
		}
		n, _ := strconv.Atoi(string(b[off+12 : off+22]))
		off += hdrLen + n
	}
	return false
}

// A split that tcpsnitch itself did not finish (N.json files half
// written, the spool still there) is finished by splitting again.
func TestSplitAgainRewritesHalfWrittenFiles(t *testing.T) {
	w := newSpoolWriter()
	w.record(0, event(0, 0), event(0, 1))
	w.record(1, event(1, 0))
	dir := t.TempDir()
	w.save(t, dir, w.buf.Len())
	os.WriteFile(filepath.Join(dir, "0.json"), []byte(event(0, 0)+"\n"+event(0, 1)[:10]), 0o644)
	if _, err := Split(dir); err != nil {
		t.Fatal(err)
	}
	got := readSocketFiles(t, dir)
	if got[0] != w.want[0].String() || got[1] != w.want[1].String() {
		t.Fatalf("got %v", got)
	}
}

func TestSplitWithoutSpoolDoesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "4.json"), []byte("{}\n"), 0o644)
	n, err := Split(dir)
	if n != 0 || err != nil {
		t.Fatalf("Split = %d, %v", n, err)
	}
	if got := readSocketFiles(t, dir); got[4] != "{}\n" || len(got) != 1 {
		t.Fatalf("files changed: %v", got)
	}
}

// A damaged spool is refused with its name and where, and left in place.
func TestSplitDamagedSpool(t *testing.T) {
	w := newSpoolWriter()
	w.record(0, event(0, 0))
	at := fmt.Sprintf("at byte %d", w.buf.Len())
	w.buf.WriteString("garbage that is not a record header\n")
	dir := t.TempDir()
	w.save(t, dir, w.buf.Len())
	_, err := Split(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, Name)) || !strings.Contains(err.Error(), at) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, Name)); err != nil {
		t.Fatalf("the damaged spool was removed: %v", err)
	}
}

// A spool that ends in the zeros of a tail the shim mapped (the program
// limited its file size: shim/sandbox.h) splits into the records before
// them; the zeros are neither lines nor damage.
func TestSplitStopsAtMappedTailZeros(t *testing.T) {
	w := newSpoolWriter()
	w.record(0, event(0, 0), event(0, 1))
	w.record(1, event(1, 0))
	w.record(0, event(0, 2))
	w.buf.Write(make([]byte, 64<<10))
	dir := t.TempDir()
	w.save(t, dir, w.buf.Len())
	if _, err := Split(dir); err != nil {
		t.Fatal(err)
	}
	got := readSocketFiles(t, dir)
	if len(got) != 2 || got[0] != w.want[0].String() || got[1] != w.want[1].String() {
		t.Fatalf("split into %v, want %q and %q", got, w.want[0], w.want[1])
	}
}

// The shim's log lines kept in a mapped tail (a last record of index
// NoteID, shim/spool.h) go to logs.txt after what it already holds, never
// into a socket file; a split run again after one cut short before the
// spool was removed does not add them twice.
func TestSplitAppendsNoteToLogs(t *testing.T) {
	w := newSpoolWriter()
	w.record(0, event(0, 0))
	w.record(1, event(1, 0))
	note := "[1.000000] WARN  [pid 7] the spool's mapped tail is full\n[1.000001] WARN  [pid 7] tcpsnitch: 2 events recorded, 5 dropped, 2 sockets\n"
	fmt.Fprintf(&w.buf, "@%010d %010d\n%s", uint32(NoteID), len(note), note)
	w.buf.Write(make([]byte, 4096))
	dir := t.TempDir()
	w.save(t, dir, w.buf.Len())
	before := "[0.5] INFO  [pid 7] before the limit\n"
	if err := os.WriteFile(filepath.Join(dir, "logs.txt"), []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	spoolBytes := append([]byte(nil), w.buf.Bytes()...)
	for round := 0; round < 2; round++ {
		if _, err := Split(dir); err != nil {
			t.Fatal(err)
		}
		got := readSocketFiles(t, dir)
		if len(got) != 2 || got[0] != w.want[0].String() || got[1] != w.want[1].String() {
			t.Fatalf("split into %v, want %q and %q", got, w.want[0], w.want[1])
		}
		logs, _ := os.ReadFile(filepath.Join(dir, "logs.txt"))
		if string(logs) != before+note {
			t.Fatalf("round %d: logs.txt holds %q, want %q", round, logs, before+note)
		}
		// As if the split had been killed before it removed the spool.
		if err := os.WriteFile(filepath.Join(dir, Name), spoolBytes, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
