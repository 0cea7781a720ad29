package android

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

func TestWrapPropTruncationBeforeAPI26(t *testing.T) {
	cases := []struct {
		pkg  string
		sdk  int
		want string
	}{
		{"com.example.app", 23, "wrap.com.example.app"},
		{"com.example.averyveryverylong.app", 25, "wrap.com.example.averyveryveryl"}, // 31 chars
		{"com.example.averyveryverylong.app", 26, "wrap.com.example.averyveryverylong.app"},
		{"com.example.abcdefghijklmnopq.rest", 21, "wrap.com.example.abcdefghijklmn"},
		{"com.example.abcdefghijklmn.opq", 21, "wrap.com.example.abcdefghijklmn"}, // the 31st char is '.': 30
	}
	for _, c := range cases {
		got := WrapProp(c.pkg, c.sdk)
		if got != c.want {
			t.Errorf("WrapProp(%q, %d) = %q, want %q", c.pkg, c.sdk, got, c.want)
		}
		if c.sdk < 26 && (len(got) > 31 || strings.HasSuffix(got, ".")) {
			t.Errorf("WrapProp(%q, %d) = %q: too long or ends with a dot", c.pkg, c.sdk, got)
		}
	}
}

func TestWrapValueLimit(t *testing.T) {
	if v, err := WrapValue(appLib("com.example.app")); err != nil || v != "LD_PRELOAD=/data/data/com.example.app/libtcpsnitch.so" {
		t.Errorf("got %q, %v", v, err)
	}
	long := "com." + strings.Repeat("x", 60)
	if _, err := WrapValue(appLib(long)); err == nil {
		t.Errorf("a %d-byte wrap value was accepted", len("LD_PRELOAD="+appLib(long)))
	}
}

func TestAppABI(t *testing.T) {
	if abi, _ := AppABI("armeabi-v7a", []string{"arm64-v8a", "armeabi-v7a"}, []string{"arm64-v8a"}, []string{"armeabi-v7a"}); abi != "armeabi-v7a" {
		t.Errorf("32-bit app on 64-bit phone: %s", abi)
	}
	if abi, _ := AppABI("", []string{"x86_64", "x86"}, []string{"x86_64"}, []string{"x86"}); abi != "x86_64" {
		t.Errorf("app without native code: %s", abi)
	}
	// Native bridge: the ARM ABIs follow the native ones in each list.
	bridged := []string{"x86_64", "x86", "arm64-v8a", "armeabi-v7a", "armeabi"}
	for primary, want := range map[string]string{"arm64-v8a": "x86_64", "armeabi-v7a": "x86", "armeabi": "x86", "x86": "x86"} {
		if abi, _ := AppABI(primary, bridged, []string{"x86_64", "arm64-v8a"}, []string{"x86", "armeabi-v7a", "armeabi"}); abi != want {
			t.Errorf("native bridge, %s app: process ABI %s, want %s", primary, abi, want)
		}
	}
	if _, err := AppABI("", nil, nil, nil); err == nil {
		t.Error("no ABI at all accepted")
	}
}

// writeELF writes the smallest ELF header debug/elf accepts.
func writeELF(t *testing.T, path string, class elf.Class, machine elf.Machine, typ elf.Type) {
	t.Helper()
	var b []byte
	ident := []byte{0x7f, 'E', 'L', 'F', byte(class), byte(elf.ELFDATA2LSB), 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	le := binary.LittleEndian
	if class == elf.ELFCLASS64 {
		b = make([]byte, 64)
		copy(b, ident)
		le.PutUint16(b[16:], uint16(typ))
		le.PutUint16(b[18:], uint16(machine))
		le.PutUint32(b[20:], 1)
		le.PutUint16(b[52:], 64) // ehsize
	} else {
		b = make([]byte, 52)
		copy(b, ident)
		le.PutUint16(b[16:], uint16(typ))
		le.PutUint16(b[18:], uint16(machine))
		le.PutUint32(b[20:], 1)
		le.PutUint16(b[40:], 52)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestShimForChecksTheLibraryMatchesTheABI(t *testing.T) {
	lib := t.TempDir()
	writeELF(t, filepath.Join(lib, "android-x86", "libtcpsnitch.so"), elf.ELFCLASS32, elf.EM_386, elf.ET_DYN)
	writeELF(t, filepath.Join(lib, "android-arm64-v8a", "libtcpsnitch.so"), elf.ELFCLASS64, elf.EM_X86_64, elf.ET_DYN)
	if p, err := ShimFor("x86", lib, ""); err != nil || p != filepath.Join(lib, "android-x86", "libtcpsnitch.so") {
		t.Errorf("x86: %q, %v", p, err)
	}
	if _, err := ShimFor("arm64-v8a", lib, ""); err == nil || !strings.Contains(err.Error(), "arm64-v8a") {
		t.Errorf("x86_64 library for arm64: %v", err)
	}
	if _, err := ShimFor("x86_64", lib, ""); err == nil || !strings.Contains(err.Error(), "--shim") {
		t.Errorf("missing shim: %v", err)
	}
	if _, err := ShimFor("mips", lib, ""); err == nil {
		t.Error("unknown ABI accepted")
	}
	exe := filepath.Join(lib, "exe")
	writeELF(t, exe, elf.ELFCLASS64, elf.EM_X86_64, elf.ET_EXEC)
	if _, err := ShimFor("x86_64", lib, exe); err == nil {
		t.Error("an executable was accepted as --shim")
	}
	text := filepath.Join(lib, "text.so")
	os.WriteFile(text, []byte("not elf"), 0o644)
	if _, err := ShimFor("x86_64", lib, text); err == nil {
		t.Error("a text file was accepted as --shim")
	}
}

func devs(specs ...string) []adb.DeviceInfo {
	var out []adb.DeviceInfo
	for _, s := range specs {
		serial, state, _ := strings.Cut(s, "=")
		out = append(out, adb.DeviceInfo{Serial: serial, State: state})
	}
	return out
}

func TestChooseDevice(t *testing.T) {
	two := devs("A=device", "B=device")
	pick := func(serial string) Prompt {
		return func([]adb.DeviceInfo) (string, error) { return serial, nil }
	}
	cases := []struct {
		name   string
		devs   []adb.DeviceInfo
		choice Choice
		prompt Prompt
		want   string // serial, or "error: <substring>"
	}{
		{"only one", devs("A=device"), Choice{}, nil, "A"},
		{"none", nil, Choice{}, nil, "error: no Android device"},
		{"two, none chosen, no terminal", two, Choice{}, nil, "error: several devices attached (A, B)"},
		{"two, -s", two, Choice{Flag: "B"}, nil, "B"},
		{"two, env", two, Choice{Env: "B"}, nil, "B"},
		{"flag beats env", two, Choice{Flag: "A", Env: "B"}, nil, "A"},
		{"two, config", two, Choice{Config: "B"}, nil, "B"},
		{"config default missing, one other", devs("A=device"), Choice{Config: "Z"}, nil, "A"},
		{"-s missing", two, Choice{Flag: "Z"}, nil, "error: device Z (from -s) is not attached"},
		{"two, terminal", two, Choice{}, pick("B"), "B"},
		{"unauthorized", devs("A=unauthorized"), Choice{}, nil, "error: accept"},
		{"offline -s", devs("A=device", "B=offline"), Choice{Flag: "B"}, nil, "error: device B is offline"},
	}
	for _, c := range cases {
		got, err := ChooseDevice(c.devs, c.choice, c.prompt)
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: got %v, %v; want error containing %q", c.name, got.Serial, err, want)
			}
			continue
		}
		if err != nil || got.Serial != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got.Serial, err, c.want)
		}
	}
	var se *adb.StateError
	if _, err := ChooseDevice(devs("A=unauthorized"), Choice{}, nil); !errors.As(err, &se) {
		t.Errorf("unauthorized: %T", err)
	}
}

func TestTerminalPrompt(t *testing.T) {
	var out strings.Builder
	serial, err := TerminalPrompt(context.Background(), strings.NewReader("2\n"), &out)(devs("A=device", "B=device"))
	if err != nil || serial != "B" || !strings.Contains(out.String(), "2) B") {
		t.Errorf("got %q, %v; prompt %q", serial, err, out.String())
	}
	if _, err := TerminalPrompt(context.Background(), strings.NewReader("7\n"), &out)(devs("A=device", "B=device")); err == nil {
		t.Error("out of range answer accepted")
	}
	if _, err := TerminalPrompt(context.Background(), strings.NewReader(""), &out)(devs("A=device", "B=device")); err == nil {
		t.Error("EOF accepted")
	}
}

func TestBatchesKeepEveryCommandInOrder(t *testing.T) {
	var cmds []string
	for i := 0; i < 200; i++ {
		cmds = append(cmds, strings.Repeat("c", 40+i%7))
	}
	got := batches(cmds, 500)
	if strings.Join(got, " && ") != strings.Join(cmds, " && ") {
		t.Fatal("commands lost or reordered")
	}
	for _, b := range got {
		if len(b) > 500 {
			t.Errorf("batch of %d bytes", len(b))
		}
	}
}
