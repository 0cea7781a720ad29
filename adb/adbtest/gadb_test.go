package adbtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/electricbubble/gadb"
)

// The project's client library sees the simulated phone through the real
// adb server like a phone over Wi-Fi: listing, legacy shell, sync push,
// list and pull.
func TestGadbThroughRealServer(t *testing.T) {
	d, s := startConnected(t, Config{Model: "Gadb Phone"})
	client, err := gadb.NewClientWith("127.0.0.1", s.Port)
	if err != nil {
		t.Fatal(err)
	}
	devices, err := client.DeviceList()
	if err != nil || len(devices) != 1 || devices[0].Serial() != d.Addr() {
		t.Fatalf("DeviceList = %v, %v", devices, err)
	}
	dev := devices[0]
	if model, _ := dev.Model(); model != "Gadb_Phone" {
		t.Fatalf("model %q", model)
	}
	out, err := dev.RunShellCommand("getprop", "ro.product.model")
	if err != nil || out != "Gadb Phone\n" {
		t.Fatalf("shell: %q, %v", out, err)
	}
	payload := bytes.Repeat([]byte("0123456789"), 20000)
	if err := dev.Push(bytes.NewReader(payload), "/data/local/tmp/g/p.bin", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, d.Path("/data/local/tmp/g/p.bin")); got != string(payload) {
		t.Fatalf("pushed %d bytes, device has %d", len(payload), len(got))
	}
	// gadb sends mode 436 (0664) in decimal: parsed like strtoul(…, 0).
	if out := sh(t, s, d, "stat -c %a /data/local/tmp/g/p.bin"); out != "664\n" {
		t.Fatalf("mode %q", out)
	}
	infos, err := dev.List("/data/local/tmp/g")
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	if err != nil || strings.Join(names, ",") != ".,..,p.bin" {
		t.Fatalf("List = %v, %v", names, err)
	}
	var back bytes.Buffer
	if err := dev.Pull("/data/local/tmp/g/p.bin", &back); err != nil || !bytes.Equal(back.Bytes(), payload) {
		t.Fatalf("Pull: %v (%d bytes)", err, back.Len())
	}
}
