package runner

import (
	"os"
	"reflect"
	"testing"
)

func TestRunLogRead(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRunLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(r.Path); st.Mode().Perm() != 0o666 {
		t.Fatalf("run log mode %v: a program that switched user could not report", st.Mode().Perm())
	}
	os.WriteFile(r.Path, []byte(
		"10 SUMMARY 0 0 0\n10 EXEC\n"+ // sh exec'd a program that never reported
			"11 WARN packet capture (-c) needs CAP_NET_RAW\n"+
			"12 SUMMARY 0 0 0\n12 EXEC\n12 WARN packet capture (-c) needs CAP_NET_RAW\n12 SUMMARY 5 0 2\n"+ // exec'd and reported
			"13 ERROR cannot write /x/1.json: No space left on device\n"+
			"13 WARN tcpsnitch: 5 events recorded, 3 dropped, 1 sockets\n"), 0o644)
	got := r.Read()
	want := RunReport{Reported: 3, Sockets: 2, Unreported: []int{10}, Messages: []Message{
		{"WARN", "packet capture (-c) needs CAP_NET_RAW", 2},
		{"ERROR", "cannot write /x/1.json: No space left on device", 1},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	lines := got.MessageLines()
	if !reflect.DeepEqual(lines, []string{"tcpsnitch: shim warning: packet capture (-c) needs CAP_NET_RAW (2 times)",
		"tcpsnitch: shim error: cannot write /x/1.json: No space left on device"}) {
		t.Fatalf("lines %q", lines)
	}
	r.Remove()
	if _, err := os.Stat(r.Path); err == nil {
		t.Fatal("run log not removed")
	}
}
