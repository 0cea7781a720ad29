package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathFollowsXDG(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if got, want := Path(), filepath.Join(dir, "tcpsnitch", "config.yaml"); got != want {
		t.Fatalf("Path() = %q, want %q", got, want)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", dir)
	if got, want := Path(), filepath.Join(dir, ".config", "tcpsnitch", "config.yaml"); got != want {
		t.Fatalf("Path() without XDG = %q, want %q", got, want)
	}
}

func TestLoadMissingFileIsEmpty(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Server != "" || c.Device != "" || c.Defaults.TCPInfoBytes != nil {
		t.Fatalf("missing file gave non-empty config %+v", c)
	}
}

func TestSaveThenLoadRoundTrips(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "not", "yet"))
	b, capture := 4096, true
	in := &Config{Server: "http://example.test", Device: "emulator-5554",
		Defaults: Defaults{TCPInfoBytes: &b, Capture: &capture}}
	if err := Save(in); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(Path())
	if !strings.Contains(string(raw), "tcp-info-bytes: 4096") {
		t.Fatalf("file does not use the documented key:\n%s", raw)
	}
	out, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if out.Server != in.Server || out.Device != in.Device ||
		out.Defaults.TCPInfoBytes == nil || *out.Defaults.TCPInfoBytes != 4096 ||
		out.Defaults.Capture == nil || !*out.Defaults.Capture || out.Defaults.Verbose != nil {
		t.Fatalf("round trip changed the config: %+v", out)
	}
}

func TestLoadRejectsTyposAndBadYAML(t *testing.T) {
	for name, body := range map[string]string{
		"unknown key": "sever: http://x\n",
		"bad type":    "defaults:\n  tcp-info-bytes: lots\n",
		"bad yaml":    "server: [\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			os.MkdirAll(filepath.Dir(Path()), 0o755)
			os.WriteFile(Path(), []byte(body), 0o644)
			_, err := Load()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), Path()) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line naming the file: %q", err)
			}
		})
	}
}

func TestLoadEmptyFile(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	os.MkdirAll(filepath.Dir(Path()), 0o755)
	os.WriteFile(Path(), nil, 0o644)
	if _, err := Load(); err != nil {
		t.Fatalf("empty file: %v", err)
	}
}

func TestUnknownKeySuggestsTheRightOne(t *testing.T) {
	for body, want := range map[string]string{
		"sever: http://x\n":                `unknown key "sever" in %s:1 (did you mean "server"?)`,
		"defaults:\n  capure: true\n":      `unknown key "capure" under defaults: in %s:2 (did you mean "capture"?)`,
		"defaults:\n  tcp-info-byte: 10\n": `unknown key "tcp-info-byte" under defaults: in %s:2 (did you mean "tcp-info-bytes"?)`,
		"colour: blue\n":                   `unknown key "colour" in %s:1 (known keys: server, device, defaults)`,
	} {
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		os.MkdirAll(filepath.Dir(Path()), 0o755)
		os.WriteFile(Path(), []byte(body), 0o644)
		_, err := Load()
		if err == nil || err.Error() != fmt.Sprintf(want, Path()) {
			t.Errorf("%q: error %v, want %s", body, err, fmt.Sprintf(want, Path()))
		}
	}
}
