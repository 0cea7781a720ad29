package main

import (
	"encoding/binary"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest"
)

// androidEnv isolates a test's config file and points tcpsnitch at a
// private adb server (the real adb 29 server, on its own port) to which
// the simulated devices are connected as over Wi-Fi.
func androidEnv(t *testing.T, devs ...*adbtest.Device) *adbtest.Server {
	t.Helper()
	if _, err := exec.LookPath("adb"); err != nil {
		t.Skip("the adb command (Debian package adb) is needed for the Android tests")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // root answers per device
	t.Setenv("TCPSNITCH_SERVER", "")
	t.Setenv("ANDROID_SERIAL", "")
	srv := adbtest.StartServer(t)
	t.Setenv("ANDROID_ADB_SERVER_PORT", strconv.Itoa(srv.Port))
	for _, d := range devs {
		srv.Connect(t, d)
	}
	return srv
}

// writeELFHeader writes the header of a shared library for one ABI: enough
// for tcpsnitch's ABI check, and a file the test can recognise on the device.
func writeELFHeader(t *testing.T, path string, is64 bool, machine uint16) []byte {
	t.Helper()
	var b []byte
	if is64 {
		b = make([]byte, 64)
		b[4] = 2
		binary.LittleEndian.PutUint16(b[52:], 64)
	} else {
		b = make([]byte, 52)
		b[4] = 1
		binary.LittleEndian.PutUint16(b[40:], 52)
	}
	copy(b, "\x7fELF")
	b[5], b[6] = 1, 1                        // little endian, version 1
	binary.LittleEndian.PutUint16(b[16:], 3) // ET_DYN
	binary.LittleEndian.PutUint16(b[18:], machine)
	binary.LittleEndian.PutUint32(b[20:], 1)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// repoRoot is the top of the source tree (tests run in cmd/tcpsnitch).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
