package adbtest

import (
	"debug/elf"
	"fmt"
	"os"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/selabel"
)

// The dynamic linker of an app process, as bionic handles LD_PRELOAD (the
// simulated app_process asks the broker before it execs the app's program).
//
// Each entry is loaded like any library: open it (any failure is
// `library "X" not found`), check its ELF header against the process
// (ElfReader::VerifyElfHeader: magic, class, e_type, e_machine; then at
// least one program header and one PT_LOAD), map its segments (an SELinux
// execute denial fails the mmap: `couldn't map "X" segment N`).
//
// What a failure does depends on the Android version, per bionic's linker:
//   - API 21 (5.0): linker.cpp loops over the preloads and, "As with glibc,
//     failure to load an LD_PRELOAD library is just a warning": DL_WARN
//     (logcat, tag linker) and the app starts without it.
//   - API 22-23 (5.1, 6.0): preloads go through find_libraries() with the
//     executable's DT_NEEDED; a failure prints `CANNOT LINK EXECUTABLE: <err>`
//     on stderr (which zygote's children send to /dev/null) and exit(1):
//     the app does not start and logcat has no linker line.
//   - API 24+ (7.0 on): the same failure goes to __libc_fatal /
//     __linker_cannot_link: `CANNOT LINK EXECUTABLE "<argv0>": <err>` in
//     logcat (tag libc, level F) and on stderr, then abort (SIGABRT).

// abiMachine is the ELF class and machine of each Android ABI.
var abiMachine = map[string]struct {
	class   elf.Class
	machine elf.Machine
}{
	"arm64-v8a":   {elf.ELFCLASS64, elf.EM_AARCH64},
	"armeabi-v7a": {elf.ELFCLASS32, elf.EM_ARM},
	"armeabi":     {elf.ELFCLASS32, elf.EM_ARM},
	"x86":         {elf.ELFCLASS32, elf.EM_386},
	"x86_64":      {elf.ELFCLASS64, elf.EM_X86_64},
}

// linkerResult is what the linker decided for one process.
type linkerResult struct {
	kept  []string // libraries to preload for real
	fatal string   // non-empty: the process must die with this message
}

// linker decides which LD_PRELOAD entries an app process may load. Each
// argument after the process name is "<lib>\x00<error>" or
// "<lib>\x00\t<resolved path>" (from app_process, which tried to open it as
// the app). The reply's Value is the kept list; a fatal failure answers
// exit status 1 and the message in Value.
func (c *call) linker() int {
	if len(c.args) == 0 {
		return 1
	}
	nice := c.args[0]
	var p *pkgInfo
	for _, q := range c.d.packages {
		if q.Name == nice {
			p = q
		}
	}
	if p == nil {
		c.reply = "unknown process " + nice
		return 1
	}
	res := c.d.link(c.pid, p, c.args[1:])
	if res.fatal != "" {
		c.reply = res.fatal
		return 1
	}
	c.d.markNamed(c.pid)
	c.reply = strings.Join(res.kept, ":")
	return 0
}

func (d *Device) link(pid int, p *pkgInfo, entries []string) linkerResult {
	abi := d.processABI(p)
	argv0 := "/system/bin/app_process32"
	if abiMachine[abi].class == elf.ELFCLASS64 {
		argv0 = "/system/bin/app_process64"
	}
	var res linkerResult
	for _, e := range entries {
		lib, info, _ := strings.Cut(e, "\x00")
		err := d.loadPreload(pid, p, abi, lib, info)
		if err == "" {
			res.kept = append(res.kept, lib)
			continue
		}
		switch {
		case d.cfg.SDK <= 21:
			d.logcatf(pid, "W", "linker", `Warning: could not load library "%s" from LD_PRELOAD for "%s"; caught error: %s`, lib, argv0, err)
		case d.cfg.SDK <= 23:
			return linkerResult{fatal: "CANNOT LINK EXECUTABLE: " + err}
		default:
			msg := fmt.Sprintf(`CANNOT LINK EXECUTABLE "%s": %s`, argv0, err)
			d.logcatf(pid, "F", "libc", "%s", msg)
			return linkerResult{fatal: msg}
		}
	}
	return res
}

// loadPreload returns "" when the library loads into a process of abi, else
// bionic's error message.
func (d *Device) loadPreload(pid int, p *pkgInfo, abi, lib, info string) string {
	real, opened := strings.CutPrefix(info, "\t")
	if !opened {
		return fmt.Sprintf(`library "%s" not found`, lib)
	}
	if msg := elfProblem(d.Path(real), lib, abi); msg != "" {
		return msg
	}
	label := d.Label(real)
	domain := p.domain()
	if selabel.MappableBy(label, p.Name, domain) {
		return ""
	}
	permissive := 0
	if !d.Enforcing() {
		permissive = 1
	}
	d.logcatf(pid, "W", p.Name, `type=1400 audit(0.0:1): avc: denied { execute } for path="%s" scontext=u:r:%s:s0:%s tcontext=%s tclass=file permissive=%d`,
		real, domain, p.Name, label, permissive)
	if permissive == 1 {
		return ""
	}
	return fmt.Sprintf(`couldn't map "%s" segment 1: Permission denied`, real)
}

// elfProblem checks a library's header like ElfReader does, for a process
// of the given ABI.
func elfProblem(hostPath, name, abi string) string {
	b, err := os.ReadFile(hostPath)
	if err != nil {
		return fmt.Sprintf(`library "%s" not found`, name)
	}
	if len(b) < 52 || string(b[:4]) != "\x7fELF" {
		if len(b) >= 4 {
			return fmt.Sprintf(`"%s" has bad ELF magic: %02x%02x%02x%02x`, name, b[0], b[1], b[2], b[3])
		}
		return fmt.Sprintf(`"%s" is too small to be an ELF executable`, name)
	}
	want := abiMachine[abi]
	if got := elf.Class(b[4]); got != want.class {
		if got == elf.ELFCLASS64 {
			return fmt.Sprintf(`"%s" is 64-bit instead of 32-bit`, name)
		}
		return fmt.Sprintf(`"%s" is 32-bit instead of 64-bit`, name)
	}
	f, err := elf.Open(hostPath)
	if err != nil {
		return fmt.Sprintf(`"%s" has invalid ELF header: %v`, name, err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return fmt.Sprintf(`"%s" has unexpected e_type: %d`, name, int(f.Type))
	}
	if f.Machine != want.machine {
		return fmt.Sprintf(`"%s" has unexpected e_machine: %d`, name, int(f.Machine))
	}
	if len(f.Progs) < 1 {
		return fmt.Sprintf(`"%s" has invalid e_phnum: 0`, name)
	}
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_LOAD {
			return ""
		}
	}
	return fmt.Sprintf(`"%s" has no loadable segments`, name)
}
