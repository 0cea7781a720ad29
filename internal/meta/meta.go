// Package meta writes the meta/ directory of a trace: one small text file
// per fact about the run (see trace-format.md), and gathers the facts about
// this host.
package meta

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Info holds the facts; each field becomes meta/<file name>.
type Info struct {
	App, Cmd, Kernel, Machine, OS, Net, Version, GitHash, HostID, AppVersion, OptB, OptF, OptU string
}

// files pairs each meta file name with its value, in trace-format.md order.
func (i Info) files() [][2]string {
	return [][2]string{
		{"app", i.App}, {"cmd", i.Cmd}, {"kernel", i.Kernel}, {"machine", i.Machine},
		{"os", i.OS}, {"net", i.Net}, {"version", i.Version}, {"git_hash", i.GitHash},
		{"host_id", i.HostID}, {"app_version", i.AppVersion},
		{"opt_b", i.OptB}, {"opt_f", i.OptF}, {"opt_u", i.OptU},
	}
}

// Write creates traceDir/meta/ and writes one file per fact, each value
// followed by a newline (an empty value gives an empty file, so readers
// always find every file).
func Write(traceDir string, info Info) error {
	dir := filepath.Join(traceDir, "meta")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing trace metadata: %w", err)
	}
	for _, f := range info.files() {
		value := f[1]
		if value != "" && !strings.HasSuffix(value, "\n") {
			value += "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, f[0]), []byte(value), 0o644); err != nil {
			return fmt.Errorf("writing trace metadata: %w", err)
		}
	}
	return nil
}

// KeepEarlier moves the meta/ of an earlier run out of the way before a new
// run writes its own, so that a trace directory shared by several runs keeps
// each run's meta: meta.1/ is the first run's, meta.2/ the second's, …, and
// meta/ always the latest's. It returns the new name ("" when there was no
// meta/).
func KeepEarlier(traceDir string) (string, error) {
	dir := filepath.Join(traceDir, "meta")
	if _, err := os.Lstat(dir); err != nil {
		return "", nil
	}
	for n := 1; ; n++ {
		to := filepath.Join(traceDir, fmt.Sprintf("meta.%d", n))
		if _, err := os.Lstat(to); err == nil {
			continue
		}
		if err := os.Rename(dir, to); err != nil {
			return "", fmt.Errorf("keeping the earlier run's meta: %w", err)
		}
		return filepath.Base(to), nil
	}
}

// WriteProcesses writes meta/processes: the process directories of this
// run, one per line, so that a run's meta names its own processes.
func WriteProcesses(traceDir string, names []string) error {
	value := strings.Join(names, "\n")
	if value != "" {
		value += "\n"
	}
	if err := os.WriteFile(filepath.Join(traceDir, "meta", "processes"), []byte(value), 0o644); err != nil {
		return fmt.Errorf("writing trace metadata: %w", err)
	}
	return nil
}
