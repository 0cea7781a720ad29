package meta

import (
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/tcpsnitch/tcpsnitch/internal/dirents"
)

// NetSysctl renders every readable file under root (normally /proc/sys/net)
// as `sysctl net` does: "net.ipv4.tcp_sack = 1", one per line, in lexical
// order. It reads the files itself instead of running sysctl, which is not
// always installed. Unreadable entries are skipped: this fact is best effort.
//
// It runs before every traced program and reads ~1 100 files, so it keeps
// to three system calls per file: openat relative to the open directory (no
// path walk through /proc/sys each time), one read, close. A sysctl's value
// comes whole from a read whose buffer is larger than it (the kernel formats
// it at once; a second read of an integer sysctl even returns nothing), so a
// read shorter than the buffer is the whole value (see read).
func NetSysctl(root string) string {
	var b strings.Builder
	dir, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(dir)
	w := sysctlWalk{out: &b, value: make([]byte, 4096), dirents: make([]byte, 8192)}
	w.dir(dir, filepath.Base(root))
	return b.String()
}

type sysctlWalk struct {
	out            *strings.Builder
	value, dirents []byte
}

// dir prints the files of the open directory fd, whose sysctl name is key,
// then recurses into its subdirectories, all in lexical order.
func (w *sysctlWalk) dir(fd int, key string) {
	for _, e := range w.list(fd) {
		name := key + "." + e.name
		if e.isDir {
			sub, err := unix.Openat(fd, e.name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
			if err == nil {
				w.dir(sub, name)
				unix.Close(sub)
			}
			continue
		}
		if v, ok := w.read(fd, e.name); ok {
			w.out.WriteString(name + " = " + strings.TrimRight(v, "\n") + "\n")
		}
	}
}

type sysctlEntry struct {
	name  string
	isDir bool
}

// list returns the entries of the open directory fd, sorted by name.
func (w *sysctlWalk) list(fd int) []sysctlEntry {
	var entries []sysctlEntry
	dirents.Each(fd, w.dirents, func(name []byte, typ byte) {
		s := string(name)
		if typ == unix.DT_UNKNOWN {
			var st unix.Stat_t
			if unix.Fstatat(fd, s, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
				typ = unix.DT_DIR
			}
		}
		entries = append(entries, sysctlEntry{s, typ == unix.DT_DIR})
	})
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries
}

// read returns the content of the file name in the open directory fd.
// Most values are a few bytes: a first read into a small buffer spares the
// kernel zeroing a page for each of the ~1 100 files (it allocates and
// clears as much as is asked for); a value that fills it is read again
// from the start with the large buffer.
func (w *sysctlWalk) read(dir int, name string) (string, bool) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return "", false
	}
	defer unix.Close(fd)
	small := w.value[:256]
	n, err := retryEINTR(func() (int, error) { return unix.Read(fd, small) })
	if err != nil {
		return "", false
	}
	if n < len(small) {
		return string(small[:n]), true
	}
	var out []byte
	for off := int64(0); ; {
		n, err := retryEINTR(func() (int, error) { return unix.Pread(fd, w.value, off) })
		if err != nil {
			return "", false
		}
		out = append(out, w.value[:n]...)
		off += int64(n)
		if n < len(w.value) { // short read: the whole value (see NetSysctl)
			return string(out), true
		}
	}
}

func retryEINTR(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != unix.EINTR {
			return n, err
		}
	}
}
