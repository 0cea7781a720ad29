// Package runner runs a program under the tcpsnitch shim on Linux: it finds
// the shim, prepares the trace directory, checks that the program can be
// traced at all, runs it with LD_PRELOAD and the shim's options, forwards
// signals, waits for the processes it left running, and summarises what
// the shim wrote and reported (Trace does all of it in order).
package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// LibDir is where the shims live: $TCPSNITCH_LIBDIR, else
// <directory of the tcpsnitch executable>/../lib/tcpsnitch.
func LibDir() (string, error) {
	if dir := os.Getenv("TCPSNITCH_LIBDIR"); dir != "" {
		return filepath.Abs(dir)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot locate the tcpsnitch executable to find its shims (set TCPSNITCH_LIBDIR): %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return filepath.Join(filepath.Dir(exe), "..", "lib", "tcpsnitch"), nil
}

// hostTarget names this machine's shim folder (linux-x86_64, …).
func hostTarget() string {
	arch := map[string]string{"amd64": "x86_64", "386": "i386", "arm64": "aarch64", "arm": "armhf"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return "linux-" + arch
}

// Preload returns the LD_PRELOAD value for the shim. shim, when set, is a
// shim file chosen by the user (--shim) and is used as is. Otherwise, when
// the i386 shim and the $LIB aliases exist, the value holds glibc's literal
// "$LIB" so that one value serves 64- and 32-bit programs (the loader
// expands it); else it is the absolute path of the host's shim.
func Preload(libDir, shim string) (string, error) {
	if shim != "" {
		abs, err := filepath.Abs(shim)
		if err != nil {
			return "", err
		}
		if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
			return "", fmt.Errorf("shim %s not found", shim)
		}
		return abs, nil
	}
	libDir, err := filepath.Abs(libDir)
	if err != nil {
		return "", err
	}
	host := filepath.Join(libDir, hostTarget(), "libtcpsnitch.so")
	if _, err := os.Stat(host); err != nil {
		return "", fmt.Errorf("shim not found at %s (run make, or set TCPSNITCH_LIBDIR to the lib/tcpsnitch directory)", host)
	}
	if hostTarget() == "linux-x86_64" && exists(filepath.Join(libDir, "linux-i386", "libtcpsnitch.so")) &&
		exists(filepath.Join(libDir, "lib", "x86_64-linux-gnu", "libtcpsnitch.so")) &&
		exists(filepath.Join(libDir, "lib32", "libtcpsnitch.so")) {
		return filepath.Join(libDir, "$LIB", "libtcpsnitch.so"), nil
	}
	return host, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
