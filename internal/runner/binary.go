package runner

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Binary is what matters about a program file for tracing it.
type Binary struct {
	Path    string
	ELF     bool        // an ELF executable (not a script)
	Static  bool        // ELF without a program interpreter: LD_PRELOAD never applies
	Go      bool        // built by Go, which makes socket syscalls without libc
	Secure  string      // why the loader runs it in secure mode (ignoring LD_PRELOAD), or ""
	Machine elf.Machine // the ELF machine (EM_NONE when not ELF)

	// Script is set for "#!" files; Interpreter is then the inspected
	// interpreter (one level: "#!/usr/bin/env python3" resolves python3).
	Script      bool
	Interpreter *Binary
}

// Inspect reads the file's headers; it never runs it.
func Inspect(path string) Binary {
	b := Binary{Path: path}
	f, err := os.Open(path)
	if err != nil {
		return b
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("#!")):
		b.Script = true
		if interp := shebangProgram(head); interp != "" {
			i := Inspect(interp)
			if !i.Script {
				b.Interpreter = &i
			}
		}
	case bytes.HasPrefix(head, []byte(elf.ELFMAG)):
		b.inspectELF(f)
	}
	b.Secure = secureExecReason(f)
	return b
}

func (b *Binary) inspectELF(f *os.File) {
	ef, err := elf.NewFile(f)
	if err != nil || (ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN) {
		return
	}
	b.ELF = true
	b.Machine = ef.Machine
	b.Static = true
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			b.Static = false
		}
	}
	b.Go = ef.Section(".go.buildinfo") != nil || ef.Section(".note.go.buildid") != nil
}

// shebangProgram returns the interpreter a script runs, resolving
// "/usr/bin/env NAME" through $PATH.
func shebangProgram(head []byte) string {
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return ""
	}
	prog := fields[0]
	if filepath.Base(prog) == "env" {
		for _, arg := range fields[1:] {
			if !strings.HasPrefix(arg, "-") && !strings.Contains(arg, "=") {
				if p, err := Resolve(arg); err == nil {
					return p
				}
				return ""
			}
		}
		return ""
	}
	return prog
}

// secureExecReason says why the kernel would set AT_SECURE for this file
// when we exec it: set-user-ID or set-group-ID to someone else, or file
// capabilities for a non-root user.
func secureExecReason(f *os.File) string {
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	if st.Mode()&os.ModeSetuid != 0 && int(sys.Uid) != os.Getuid() {
		return fmt.Sprintf("set-user-ID (runs as uid %d)", sys.Uid)
	}
	if st.Mode()&os.ModeSetgid != 0 && int(sys.Gid) != os.Getgid() {
		return fmt.Sprintf("set-group-ID (runs as gid %d)", sys.Gid)
	}
	if os.Getuid() != 0 {
		if n, err := unix.Fgetxattr(int(f.Fd()), "security.capability", nil); err == nil && n > 0 {
			return "granted file capabilities"
		}
	}
	return ""
}

// Warning explains, in one sentence, why the program cannot be traced, or
// returns "" when it can.
func (b Binary) Warning(name string) string {
	if b.Script && b.Interpreter != nil {
		if w := b.Interpreter.Warning(b.Interpreter.Path); w != "" {
			return fmt.Sprintf("%s runs under %s", name, w)
		}
	}
	switch {
	case b.Secure != "":
		return fmt.Sprintf("%s is %s: the loader ignores LD_PRELOAD for it, so tcpsnitch cannot trace it", name, b.Secure)
	case b.Static && b.Go:
		return fmt.Sprintf("%s is a statically linked Go program: it loads no shared library and makes its socket calls without libc, so tcpsnitch cannot trace it", name)
	case b.Static:
		return fmt.Sprintf("%s is statically linked: the loader never reads LD_PRELOAD, so tcpsnitch cannot trace it", name)
	case b.Go:
		return fmt.Sprintf("%s is a Go program: Go makes its socket calls directly, not through libc, so tcpsnitch will see at most its DNS lookups", name)
	}
	return ""
}

// containsBytes reports whether the file contains needle (read in chunks,
// up to limit bytes).
func containsBytes(path string, needle []byte, limit int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	buf := make([]byte, 1<<16+len(needle))
	carry := 0
	var read int64
	for read < limit {
		n, err := r.Read(buf[carry:])
		read += int64(n)
		if bytes.Contains(buf[:carry+n], needle) {
			return true
		}
		if err != nil {
			return false
		}
		keep := min(len(needle)-1, carry+n)
		copy(buf, buf[carry+n-keep:carry+n])
		carry = keep
	}
	return false
}
