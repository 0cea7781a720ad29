package runner

import (
	"debug/elf"
	"fmt"
	"runtime"
	"strings"
)

// hostMachine is the ELF machine of this tcpsnitch build's architecture.
func hostMachine() elf.Machine {
	switch runtime.GOARCH {
	case "amd64":
		return elf.EM_X86_64
	case "386":
		return elf.EM_386
	case "arm64":
		return elf.EM_AARCH64
	case "arm":
		return elf.EM_ARM
	}
	return elf.EM_NONE
}

// machineName: "EM_X86_64" → "x86-64".
func machineName(m elf.Machine) string {
	switch m {
	case elf.EM_X86_64:
		return "x86-64"
	case elf.EM_386:
		return "i386"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "arm"
	}
	return strings.TrimPrefix(m.String(), "EM_")
}

// CheckShim checks, before anything runs, that a shim chosen with --shim
// is a shared library the loader can preload into the program: an ELF
// ET_DYN file for the program's machine (prog: its Binary; for a script,
// its interpreter's; else this host's). The loader would otherwise print
// its own error and run the program untraced.
func CheckShim(path string, prog Binary) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("--shim %s is not a shared library (not an ELF file)", path)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return fmt.Errorf("--shim %s is not a shared library (ELF type %s)", path, f.Type)
	}
	if flags, err := f.DynValue(elf.DT_FLAGS_1); err == nil && len(flags) > 0 && flags[0]&uint64(elf.DF_1_PIE) != 0 {
		return fmt.Errorf("--shim %s is not a shared library (a position-independent executable)", path)
	}
	want, whose := hostMachine(), "this machine"
	if prog.Script && prog.Interpreter != nil {
		prog = *prog.Interpreter
	}
	if prog.ELF && prog.Machine != elf.EM_NONE {
		want, whose = prog.Machine, prog.Path
	}
	if want != elf.EM_NONE && f.Machine != want {
		return fmt.Errorf("--shim %s is built for %s, but %s is %s: give a shim built for %s",
			path, machineName(f.Machine), whose, machineName(want), machineName(want))
	}
	return nil
}
