package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// MaxTraceDirLen is the longest trace directory path the Linux shim holds
// (struct options.dir in shim/options.h is 512 bytes with its NUL). A longer
// one would make the shim refuse to trace, so the CLI refuses it first.
const MaxTraceDirLen = 511

// CheckPathFits refuses a trace directory path the shim cannot hold.
func CheckPathFits(abs string) error {
	if len(abs) > MaxTraceDirLen {
		return fmt.Errorf("trace directory %s is %d bytes long; the shim holds at most %d: choose a shorter path with -d",
			abs, len(abs), MaxTraceDirLen)
	}
	return nil
}

var (
	metaRunRe = regexp.MustCompile(`^meta\.\d+$`)
	// What a trace directory holds besides meta/ and process directories.
	traceFiles = map[string]bool{"archive.tar.gz": true}
	// The files the CLI writes into meta/ (meta.Info, and processes).
	metaFiles = map[string]bool{"app": true, "cmd": true, "kernel": true, "machine": true, "os": true, "net": true,
		"version": true, "git_hash": true, "host_id": true, "app_version": true, "opt_b": true, "opt_f": true,
		"opt_u": true, "processes": true}
)

// Foreign lists the entries of dir that are no part of a tcpsnitch trace
// (sorted; empty for an empty directory or a trace). A trace holds meta/
// (and meta.N/ of earlier runs) with the CLI's meta files, <app>_NNN/
// process directories and archive.tar.gz.
func Foreign(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && (name == "meta" || metaRunRe.MatchString(name)):
			for _, m := range foreignMeta(dir + "/" + name) {
				out = append(out, name+"/"+m)
			}
		case e.IsDir() && processDirRe.MatchString(name):
		case !e.IsDir() && (traceFiles[name] || strings.HasPrefix(name, ".archive-") || strings.HasPrefix(name, runLogPrefix)):
		default:
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func foreignMeta(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if e.IsDir() || !metaFiles[e.Name()] {
			out = append(out, e.Name())
		}
	}
	return out
}

// CheckIsTrace refuses to write into an existing directory that holds
// anything but a tcpsnitch trace, unless force: the user's files would be
// mixed with the trace (and meta/ files overwritten).
func CheckIsTrace(dir string, force bool) error {
	foreign := Foreign(dir)
	if len(foreign) == 0 || force {
		return nil
	}
	shown := foreign
	more := ""
	if len(shown) > 3 {
		shown, more = shown[:3], fmt.Sprintf(" and %d more", len(foreign)-3)
	}
	return fmt.Errorf("trace directory %s is not a tcpsnitch trace (it holds %s%s): use a new or empty directory, "+
		"or --force to write into it anyway", dir, strings.Join(shown, ", "), more)
}

// ProcessDirs names the process directories (<app>_NNN) in traceDir.
func ProcessDirs(traceDir string) map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(traceDir)
	for _, e := range entries {
		if e.IsDir() && processDirRe.MatchString(e.Name()) {
			out[e.Name()] = true
		}
	}
	return out
}

// NewProcessDirs lists, sorted, the process directories of traceDir that
// are not in before: the ones this run's processes created.
func NewProcessDirs(traceDir string, before map[string]bool) []string {
	var out []string
	for name := range ProcessDirs(traceDir) {
		if !before[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// PrepareTraceDir is TraceDir for a Linux run: the path must fit in the
// shim, and an existing -d must be a trace (or empty) unless force.
// Nothing is created when a check fails.
func PrepareTraceDir(dir, app string, force bool) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if err := CheckPathFits(abs); err != nil {
			return "", err
		}
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			if err := CheckIsTrace(abs, force); err != nil {
				return "", err
			}
		}
	}
	abs, err := TraceDir(dir, app)
	if err != nil {
		return "", err
	}
	if err := CheckPathFits(abs); err != nil { // a long $TMPDIR
		os.Remove(abs)
		return "", err
	}
	return abs, nil
}

// PrepareVerboseFile makes the -o file absolute (the program may change
// directory), checks that the shim can hold its path and creates it empty
// (the shim appends to it, from every process).
func PrepareVerboseFile(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if len(abs) > maxVerboseFileLen {
		return "", fmt.Errorf("-o %s: the path is %d bytes long; the shim holds at most %d", path, len(abs), maxVerboseFileLen)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return "", fmt.Errorf("-o %s: %v", path, unwrapPath(err))
	}
	f.Close()
	return abs, nil
}

// maxVerboseFileLen: struct options.verbose_file in shim/options.h.
const maxVerboseFileLen = 1023
