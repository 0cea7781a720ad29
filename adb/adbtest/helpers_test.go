package adbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startConnected starts a device and a private adb server connected to it.
func startConnected(t *testing.T, cfg Config) (*Device, *Server) {
	t.Helper()
	d := Start(t, cfg)
	s := StartServer(t)
	s.Connect(t, d)
	return d, s
}

// sh runs a command line through the real adb client's legacy shell.
func sh(t *testing.T, s *Server, d *Device, command string) string {
	t.Helper()
	return s.Run(t, "-s", d.Addr(), "shell", command)
}

func mustContain(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("output does not contain %q:\n%s", want, got)
	}
}

func mustNotContain(t *testing.T, got, unwanted string) {
	t.Helper()
	if strings.Contains(got, unwanted) {
		t.Fatalf("output contains %q:\n%s", unwanted, got)
	}
}

// waitFile polls until a host file exists.
func waitFile(t *testing.T, path string, timeout time.Duration) bool {
	t.Helper()
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return true
		}
	}
	return false
}

// writeScript writes an executable shell script for a test app.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "app.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildMarkerLib builds a shared library whose constructor appends
// "<pid> <uid>" to ./preload-marker (the app's data directory).
func buildMarkerLib(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "marker.c")
	code := `#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
	FILE *f = fopen("preload-marker", "a");
	if (f) { fprintf(f, "%d %d\n", (int)getpid(), (int)getuid()); fclose(f); }
}
`
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "libmarker.so")
	if out, err := exec.Command("gcc", "-shared", "-fPIC", "-o", lib, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return lib
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fileUID(t *testing.T, p string) int {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(info.Sys().(*syscall.Stat_t).Uid)
}
