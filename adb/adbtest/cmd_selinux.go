package adbtest

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/selabel"
)

// Label is the simulated SELinux label of a file of the device (see
// internal/selabel: the xattr if set, else the default of its path).
func (d *Device) Label(devicePath string) string {
	buf := make([]byte, 256)
	if n, err := syscall.Getxattr(d.Path(devicePath), selabel.XattrName, buf); err == nil {
		return string(buf[:n])
	}
	return selabel.Default(devicePath)
}

// restorecon [-R] [-F] [-v] [-n] path…: resets labels to their defaults.
// The caller must own the file (or be root), as relabeling needs.
func (c *call) restorecon() int {
	recursive, verbose, status := false, false, 0
	var paths []string
	for _, a := range c.args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			recursive = recursive || strings.ContainsAny(a, "Rr")
			verbose = verbose || strings.Contains(a, "v")
			continue
		}
		paths = append(paths, a)
	}
	if len(paths) == 0 {
		c.eprintf("usage: restorecon [-D] [-F] [-R] [-n] [-v] FILE...\n")
		return 1
	}
	for _, p := range paths {
		dp := p
		if !path.IsAbs(dp) {
			dp = path.Join(c.cwdOr("/"), dp)
		}
		dp = path.Clean(dp)
		host := c.d.Path(dp)
		if _, err := os.Lstat(host); err != nil {
			c.eprintf("restorecon: SELinux: Could not get canonical path for %s restorecon: No such file or directory.\n", p)
			status = 1
			continue
		}
		walk := func(hp string, info fs.FileInfo) {
			if info.Mode()&os.ModeSymlink != 0 {
				return
			}
			rel, _ := filepath.Rel(c.d.root, hp)
			devPath := "/" + filepath.ToSlash(rel)
			st, _ := info.Sys().(*syscall.Stat_t)
			if c.uid != 0 && (st == nil || int(st.Uid) != c.uid) {
				c.eprintf("SELinux: Could not set context for %s:  Operation not permitted\n", devPath)
				status = 1
				return
			}
			label := selabel.Default(devPath)
			old := c.d.Label(devPath)
			if err := syscall.Setxattr(hp, selabel.XattrName, []byte(label), 0); err != nil {
				c.eprintf("SELinux: Could not set context for %s:  %v\n", devPath, err)
				status = 1
				return
			}
			if verbose && old != label {
				c.printf("SELinux: Loaded file_contexts\nRelabeled %s from %s to %s\n", devPath, old, label)
			}
		}
		if recursive {
			filepath.Walk(host, func(hp string, info fs.FileInfo, err error) error {
				if err == nil {
					walk(hp, info)
				}
				return nil
			})
		} else if info, err := os.Lstat(host); err == nil {
			walk(host, info)
		}
	}
	return status
}

func (c *call) getenforce() int {
	if c.d.Enforcing() {
		c.printf("Enforcing\n")
	} else {
		c.printf("Permissive\n")
	}
	return 0
}

func (c *call) setenforce() int {
	if len(c.args) != 1 {
		c.eprintf("usage: setenforce [enforcing|permissive|1|0]\n")
		return 1
	}
	var enforce bool
	switch strings.ToLower(c.args[0]) {
	case "1", "enforcing":
		enforce = true
	case "0", "permissive":
	default:
		c.eprintf("setenforce: Invalid mode '%s'\n", c.args[0])
		return 1
	}
	if c.uid != 0 {
		c.eprintf("setenforce: Couldn't set enforcing status to '%s': Permission denied\n", c.args[0])
		return 1
	}
	c.d.mu.Lock()
	c.d.enforcing = enforce
	c.d.mu.Unlock()
	return 0
}

// logcat -d prints the buffer, -c clears it (root or shell). Filters are
// ignored; without -d it also just prints (no streaming).
func (c *call) logcat() int {
	for _, a := range c.args {
		if a == "-c" {
			if c.uid != 0 && c.uid != uidShell {
				c.eprintf("failed to clear the 'main' log\n")
				return 1
			}
			c.d.logMu.Lock()
			os.Truncate(c.d.Path(logcatFile), 0)
			c.d.logMu.Unlock()
			return 0
		}
	}
	c.printf("%s", c.d.Logcat())
	return 0
}

// logcatf appends a line in `logcat -v threadtime` format.
func (d *Device) logcatf(pid int, level, tag, format string, args ...any) {
	line := fmt.Sprintf("%s %5d %5d %s %-8s: %s\n", time.Now().Format("01-02 15:04:05.000"),
		pid, pid, level, tag, fmt.Sprintf(format, args...))
	d.logMu.Lock()
	defer d.logMu.Unlock()
	f, err := os.OpenFile(d.Path(logcatFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	f.WriteString(line)
	f.Close()
}
