package runner

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestInspectDynamicAndStaticC(t *testing.T) {
	dyn := Inspect(buildC(t, "plain.c"))
	if !dyn.ELF || dyn.Static || dyn.Go || dyn.Secure != "" || dyn.Warning("plain") != "" {
		t.Fatalf("dynamic C program: %+v, warning %q", dyn, dyn.Warning("plain"))
	}
	static := Inspect(buildC(t, "plain.c", "-static"))
	if !static.ELF || !static.Static || !strings.Contains(static.Warning("plain"), "plain is statically linked") {
		t.Fatalf("static C program: %+v, warning %q", static, static.Warning("plain"))
	}
}

func TestInspectGoProgram(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() {}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module gotest\ngo 1.21\n"), 0o644)
	bin := filepath.Join(dir, "goprog")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b := Inspect(bin)
	if !b.Go || !b.Static || !strings.Contains(b.Warning("goprog"), "statically linked Go program") {
		t.Fatalf("Go program: %+v, warning %q", b, b.Warning("goprog"))
	}
}

func TestInspectScriptChecksItsInterpreter(t *testing.T) {
	sh := Inspect(writeScript(t, "#!/bin/sh\necho hi\n"))
	if !sh.Script || sh.ELF || sh.Interpreter == nil || sh.Warning("s") != "" {
		t.Fatalf("sh script: %+v", sh)
	}
	env := Inspect(writeScript(t, "#!/usr/bin/env sh\necho hi\n"))
	if env.Interpreter == nil || !env.Interpreter.ELF {
		t.Fatalf("env script did not resolve sh: %+v", env)
	}
	static := buildC(t, "plain.c", "-static")
	s := Inspect(writeScript(t, "#!"+static+"\n"))
	if w := s.Warning("myscript"); !strings.HasPrefix(w, "myscript runs under "+static+" is statically linked") {
		t.Fatalf("script with static interpreter: %q", w)
	}
}

func TestInspectSetuidToOtherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	bin := buildC(t, "plain.c")
	os.Chown(bin, uid, -1)
	os.Chmod(bin, os.ModeSetuid|0o755)
	b := Inspect(bin)
	if !strings.Contains(b.Secure, "set-user-ID") || !strings.Contains(b.Warning("plain"), "loader ignores LD_PRELOAD") {
		t.Fatalf("setuid program: %+v, %q", b, b.Warning("plain"))
	}
	// And it is never probed for its version: that would run it.
	marker := filepath.Join(t.TempDir(), "ran")
	t.Setenv("MARKER", marker)
	if v := AppVersion(context.Background(), bin, b); v != "" {
		t.Fatalf("probed a setuid program: %q", v)
	}
}

func TestAppVersionProbe(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	t.Setenv("MARKER", marker)

	versioned := buildC(t, "versioned.c")
	if v := AppVersion(context.Background(), versioned, Inspect(versioned)); v != "versioned 1.2.3\nsecond line" {
		t.Fatalf("versioned: %q", v)
	}
	// A program that never mentions --version is not run at all.
	plain := buildC(t, "plain.c")
	if v := AppVersion(context.Background(), plain, Inspect(plain)); v != "" {
		t.Fatalf("plain: %q", v)
	}
	// Neither is a script, even one that would answer.
	script := writeScript(t, "#!/bin/sh\ntouch \"$MARKER\"\necho '--version'\n")
	if v := AppVersion(context.Background(), script, Inspect(script)); v != "" {
		t.Fatalf("script: %q", v)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a program that must not be probed was run")
	}
}

func TestAppVersionProbeIsKilledOnTimeout(t *testing.T) {
	versioned := buildC(t, "versioned.c")
	t.Setenv("HANG_ON_VERSION", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // an already expired context stands in for the timeout
	if v := AppVersion(ctx, versioned, Inspect(versioned)); v != "" {
		t.Fatalf("hanging probe returned %q", v)
	}
}

func TestContainsBytesAcrossChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	data := make([]byte, 1<<16+5)
	copy(data[1<<16-4:], "--version") // straddles the first chunk boundary
	os.WriteFile(path, data, 0o644)
	if !containsBytes(path, []byte("--version"), 1<<20) {
		t.Fatal("missed a needle across chunks")
	}
	if containsBytes(path, []byte("--versiox"), 1<<20) {
		t.Fatal("found an absent needle")
	}
}
