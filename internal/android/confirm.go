package android

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// After `am start` nothing says whether the shim really loaded: the app
// may run untraced (Android 12's native fork loop ignores wrap.<pkg>, or
// it was already running), or not start at all: from Android 5.1 (API 22)
// bionic's linker treats a preload it cannot load as fatal (`CANNOT LINK
// EXECUTABLE`, find_libraries() in linker.cpp; 5.0 only warned). So -a
// looks at the app's process: up, and its /proc/<pid>/maps naming the
// library; otherwise it reads logcat for the linker's reason.

// NotTracedError: the app did not come up with the shim loaded.
type NotTracedError struct {
	Package string
	Reason  string // what was seen
	Cause   string // the device's own words (logcat), or ""
}

func (e *NotTracedError) Error() string {
	msg := fmt.Sprintf("%s is not traced: %s", e.Package, e.Reason)
	if e.Cause != "" {
		msg += "; the device says: " + e.Cause
	}
	return msg + "; the device was restored (wrap." + e.Package + " cleared)"
}

// startTimeout bounds the wait for the app's process: with a wrapper,
// zygote allows a start 1200 s, but a phone that takes more than a minute
// is not going to make it.
var startTimeout = 60 * time.Second

// confirmTraced waits until the app runs with the library mapped. A
// process that already wrote a trace and exited also counts.
// seen holds the logcat lines about lib from before the start, so that an
// older failure is not taken for this one.
func confirmTraced(ctx context.Context, d adb.Device, s *Session, files appFiles, sdk int, seen map[string]bool) error {
	deadline := time.Now().Add(startTimeout)
	for {
		pids, err := adb.PIDs(d, s.Package, sdk)
		if err != nil {
			return err
		}
		for _, pid := range pids {
			// The process takes its name after the linker ran, but read
			// twice a moment apart all the same before calling it untraced.
			// Maps that cannot be read mean the process is gone (an app that
			// did its work and exited): its trace, if any, says the rest.
			readable := false
			for try := 0; try < 2; try++ {
				maps, err := files.read(fmt.Sprintf("/proc/%d/maps", pid))
				if err == nil && strings.Contains(maps, s.Lib) {
					return nil
				}
				readable = readable || err == nil
				if try == 0 {
					sleep(ctx, 300*time.Millisecond)
				}
			}
			if readable && processAlive(files, pid) {
				return &NotTracedError{Package: s.Package, Reason: untracedReason(s, sdk, pid)}
			}
		}
		if traced, _ := files.nonEmpty(s.TraceDir); traced {
			return nil
		}
		if cause := newLinkerCause(d, s.Lib, seen); cause != "" {
			return &NotTracedError{Package: s.Package, Reason: "it did not start: the linker refused the shim", Cause: cause}
		}
		if time.Now().After(deadline) {
			reason := fmt.Sprintf("no process %s appeared within %s", s.Package, startTimeout)
			if sdk >= 22 && sdk <= 23 {
				reason += " (on Android 5.1 and 6.0 the linker's reason for refusing a library goes to a stderr nobody reads: check the shim matches the app's ABI)"
			}
			return &NotTracedError{Package: s.Package, Reason: reason}
		}
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// processAlive tells whether pid still exists: an exiting process's maps
// read empty, which is not a process without the library.
func processAlive(files appFiles, pid int) bool {
	_, err := files.read(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil
}

func untracedReason(s *Session, sdk, pid int) string {
	reason := fmt.Sprintf("its process %d runs without %s", pid, s.Lib)
	switch {
	case sdk >= 31 && sdk <= 32:
		reason += " (Android 12 starts apps from zygote's native fork loop, which ignores wrap." + s.Package + ", unless dalvik.vm.force-java-zygote-fork-loop was true when zygote started: rerun with --restart-zygote)"
	case sdk <= 21:
		reason += " (Android 5.0's linker skips a library it cannot load and starts the app anyway: check the shim matches the app's ABI)"
	}
	return reason
}

// linkerLines are the logcat lines where the linker or SELinux refused
// lib (bionic: `CANNOT LINK EXECUTABLE "…": …` from 7.0, `could not load
// library "…" from LD_PRELOAD` on 5.0; the kernel: `avc: denied { execute }`).
func linkerLines(d adb.Device, lib string) []string {
	out, err := adb.Run(d, "logcat", "-d")
	if err != nil {
		return nil
	}
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, lib) && (strings.Contains(line, "CANNOT LINK EXECUTABLE") ||
			strings.Contains(line, "from LD_PRELOAD") || strings.Contains(line, "avc: denied")) {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	return lines
}

func seenLines(d adb.Device, lib string) map[string]bool {
	m := map[string]bool{}
	for _, l := range linkerLines(d, lib) {
		m[l] = true
	}
	return m
}

// newLinkerCause is the last such line not in seen, or "".
func newLinkerCause(d adb.Device, lib string, seen map[string]bool) string {
	cause := ""
	for _, line := range linkerLines(d, lib) {
		if seen[line] {
			continue
		}
		cause = line
		if i := strings.Index(line, "CANNOT LINK EXECUTABLE"); i >= 0 {
			cause = line[i:]
		}
	}
	return cause
}

// sleep waits d, or less when ctx is cancelled (then it returns its error).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}
