package adb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The few shell commands whose form differs across Android versions.
// Android 5.x (API 21-22) has toolbox, not toybox (system/core/toolbox):
// its `id` takes no options (`id -u` prints the whole
// `uid=0(root) gid=0(root) …` line), and it has neither `pidof` nor
// `uname`. toybox (Android 6.0 on) has all three. toolbox's `ps` lists
// every process and takes an argument as a name filter; toybox's `ps`
// (Android 8.0 on) lists only the caller's processes unless given -A.

var uidRE = regexp.MustCompile(`uid=(\d+)`)

// ParseUID reads the uid from the output of a plain `id` (toolbox and
// toybox both print `uid=N(name) …`).
func ParseUID(out string) (int, error) {
	m := uidRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return -1, fmt.Errorf("no uid in the output of `id`: %q", lastLine(out))
	}
	return strconv.Atoi(m[len(m)-1][1])
}

// UID is the uid the device's shell runs as.
func UID(sh Sheller) (int, error) {
	out, err := Run(sh, "id")
	if err != nil {
		return -1, fmt.Errorf("checking the shell's user: %w", err)
	}
	return ParseUID(out)
}

// commandMissing tells a shell's "not found" (status 127) from a command
// that ran and failed.
func commandMissing(r Result) bool {
	return r.Status == 127 || strings.Contains(r.Output, "not found")
}

// PIDs returns the pids of the processes named name: pidof where it exists,
// else the NAME column of ps (plain `ps` before API 26, `ps -A` after).
func PIDs(sh Sheller, name string, sdk int) ([]int, error) {
	r, err := Shell(sh, "pidof", name)
	if err != nil {
		return nil, err
	}
	if !commandMissing(r) {
		if r.Status != 0 {
			return nil, nil // none
		}
		var pids []int
		for _, f := range strings.Fields(r.Output) {
			if n, err := strconv.Atoi(f); err == nil {
				pids = append(pids, n)
			}
		}
		return pids, nil
	}
	argv := []string{"ps"}
	if sdk >= 26 || sdk == 0 {
		argv = append(argv, "-A")
	}
	out, err := Run(sh, argv...)
	if err != nil {
		return nil, err
	}
	return parsePS(out, name), nil
}

// parsePS picks the pids (second column) of rows whose last column is name.
func parsePS(out, name string) []int {
	var pids []int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[len(f)-1] != name {
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// KernelRelease is `uname -r`, or the release read from /proc/version
// where uname does not exist (Android 5.x).
func KernelRelease(sh Sheller) (string, error) {
	r, err := Shell(sh, "uname", "-r")
	if err != nil {
		return "", err
	}
	if r.Status == 0 && !commandMissing(r) {
		return strings.TrimSpace(r.Output), nil
	}
	out, err := Run(sh, "cat", "/proc/version")
	if err != nil {
		return "", err
	}
	// "Linux version 3.10.0-g1234 (builder@host) (gcc …) #1 SMP …"
	f := strings.Fields(out)
	if len(f) >= 3 && f[0] == "Linux" && f[1] == "version" {
		return f[2], nil
	}
	return "", fmt.Errorf("unreadable /proc/version: %q", firstLine(out))
}
