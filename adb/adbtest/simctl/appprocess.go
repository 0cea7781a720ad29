package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// appProcess plays the start of an app process: zygote's wrapper command
// ends with `app_process --nice-name=<pkg> <program> <args…>`. The dynamic
// linker is simulated here, before the real program starts: the broker
// checks every library of LD_PRELOAD like bionic (see linker.go in package
// adbtest), which either drops a failing one with a warning (API 21) or
// makes the process die with CANNOT LINK EXECUTABLE (API 22 on).
func appProcess(args []string) int {
	if len(args) < 2 || !strings.HasPrefix(args[0], "--nice-name=") {
		fmt.Fprintln(os.Stderr, "usage: app_process --nice-name=<name> <program> [args...]")
		return 2
	}
	nice := strings.TrimPrefix(args[0], "--nice-name=")
	program, progArgs := args[1], args[2:]
	env := os.Environ()
	// Entries the app cannot even open are reported with their error; the
	// broker plays bionic's linker on the rest (ELF checks, SELinux labels)
	// and answers the list to preload for real, or a fatal error. It is
	// asked even without LD_PRELOAD: its answer is also the moment the
	// process takes its package name (pidof, ps).
	var entries []string
	if preload := os.Getenv("LD_PRELOAD"); preload != "" {
		for _, lib := range strings.FieldsFunc(preload, func(r rune) bool { return r == ' ' || r == ':' }) {
			entries = append(entries, lib+"\x00"+openError(lib))
		}
	}
	reply, err := call(append([]string{"__linker", nice}, entries...), false)
	if err != nil {
		fmt.Fprintf(os.Stderr, "app_process: %v\n", err)
		return 1
	}
	if reply.Exit != 0 {
		// bionic: `CANNOT LINK EXECUTABLE …` on stderr, then exit(1)
		// (API 22-23) or abort() (API 24+, __libc_fatal).
		fmt.Fprintln(os.Stderr, reply.Value)
		if strings.HasPrefix(reply.Value, "CANNOT LINK EXECUTABLE \"") {
			signal.Reset(syscall.SIGABRT)
			syscall.Kill(os.Getpid(), syscall.SIGABRT)
		}
		return 1
	}
	env = setEnv(env, "LD_PRELOAD", reply.Value)
	err = syscall.Exec(program, append([]string{nice}, progArgs...), env)
	fmt.Fprintf(os.Stderr, "app_process: exec %s: %v\n", program, err)
	return 1
}

// openError is "" when this process can open lib for reading, else why not;
// a resolved path follows a tab so the broker can read the file's label.
func openError(lib string) string {
	f, err := os.Open(lib)
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return err.Error()
	}
	f.Close()
	if real, err := filepath.EvalSymlinks(lib); err == nil {
		return "\t" + real
	}
	return "\t" + lib
}

func setEnv(env []string, key, value string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	if value == "" {
		return out
	}
	return append(out, key+"="+value)
}
