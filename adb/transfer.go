package adb

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Unix file type bits as the sync protocol reports them.
const (
	modeTypeMask = 0o170000
	modeDir      = 0o040000
	modeRegular  = 0o100000
)

// PullStats counts what PullDir copied.
type PullStats struct {
	Files int
	Bytes int64
}

type remoteEntry struct {
	path string // device path
	rel  string // path below the pulled root
	mode uint32
	size int64
}

// PullDir copies the device directory remote into local (created if
// needed), recursively, with sync LIST and RECV. Only directories and
// regular files are copied. The whole tree is listed first: a name that is
// not a plain file name fails the pull before anything is written.
func (d *device) PullDir(remote, local string) (PullStats, error) {
	if err := d.interrupted(); err != nil {
		return PullStats{}, err
	}
	st, err := d.stat(remote)
	if err != nil {
		return PullStats{}, err
	}
	if st.Mode&modeTypeMask != modeDir {
		return PullStats{}, fmt.Errorf("%s on %s is not a directory: %w", remote, d.serial, os.ErrNotExist)
	}
	var files []remoteEntry
	dirs := []string{""}
	var total int64
	if err := d.walk(remote, "", &files, &dirs, &total); err != nil {
		return PullStats{}, err
	}
	for _, rel := range dirs {
		if err := os.MkdirAll(filepath.Join(local, filepath.FromSlash(rel)), 0o755); err != nil {
			return PullStats{}, err
		}
	}
	bar := newBar(d.client.progress, total, "pull "+baseName(remote))
	var barW io.Writer // stays a nil interface when there is no bar
	if bar != nil {
		barW = bar
	}
	var stats PullStats
	for _, f := range files {
		if err := d.interrupted(); err != nil {
			return stats, err
		}
		n, err := d.pullFile(f.path, filepath.Join(local, filepath.FromSlash(f.rel)), barW)
		if err != nil {
			return stats, err
		}
		stats.Files++
		stats.Bytes += n
	}
	if bar != nil {
		_ = bar.Finish()
	}
	return stats, nil
}

// walk lists a directory tree depth first.
func (d *device) walk(dir, rel string, files *[]remoteEntry, dirs *[]string, total *int64) error {
	entries, err := d.g.List(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name == "." || e.Name == ".." {
			continue
		}
		if !plainName(e.Name) {
			return &UnsafeNameError{Serial: d.serial, Dir: dir, Name: e.Name}
		}
		mode := uint32(e.Mode)
		p, r := path.Join(dir, e.Name), path.Join(rel, e.Name)
		switch mode & modeTypeMask {
		case modeDir:
			*dirs = append(*dirs, r)
			if err := d.walk(p, r, files, dirs, total); err != nil {
				return err
			}
		case modeRegular:
			*files = append(*files, remoteEntry{path: p, rel: r, mode: mode, size: int64(e.Size)})
			*total += int64(e.Size)
		}
	}
	return nil
}

// plainName: the names a device lists become local paths, so only a plain
// file name may be joined to the local directory: no separator, no "." or
// "..", no NUL. A hostile device could otherwise write anywhere.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}

// UnsafeNameError: the device listed a name that is not a plain file name.
type UnsafeNameError struct{ Serial, Dir, Name string }

func (e *UnsafeNameError) Error() string {
	return fmt.Sprintf("device %s lists %q in %s, which is not a plain file name: nothing was copied from it (the trace must stay inside its directory)", e.Serial, e.Name, e.Dir)
}

func (d *device) pullFile(remote, local string, bar io.Writer) (int64, error) {
	f, err := os.Create(local)
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: f}
	var w io.Writer = cw
	if bar != nil {
		w = io.MultiWriter(cw, bar)
	}
	err = d.g.Pull(remote, w)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return cw.n, fmt.Errorf("pull %s: %w", remote, err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// syncStat is a sync STAT answer; all zeros means the path does not exist.
type syncStat struct{ Mode, Size, Mtime uint32 }

// stat asks the device's sync service about one path (gadb has no STAT).
func (d *device) stat(remote string) (syncStat, error) {
	h, err := dialHost(d.client.addr)
	if err != nil {
		return syncStat{}, err
	}
	defer h.Close()
	if err := h.request("host:transport:" + d.serial); err != nil {
		return syncStat{}, d.connErr("stat", err)
	}
	if err := h.request("sync:"); err != nil {
		return syncStat{}, d.connErr("stat", err)
	}
	req := make([]byte, 8, 8+len(remote))
	copy(req, "STAT")
	binary.LittleEndian.PutUint32(req[4:], uint32(len(remote)))
	req = append(req, remote...)
	if _, err := h.c.Write(req); err != nil {
		return syncStat{}, err
	}
	var resp [16]byte
	if _, err := io.ReadFull(h.c, resp[:]); err != nil {
		return syncStat{}, fmt.Errorf("stat %s: %w", remote, err)
	}
	if string(resp[:4]) != "STAT" {
		return syncStat{}, fmt.Errorf("stat %s: unexpected answer %q", remote, resp[:4])
	}
	st := syncStat{
		Mode:  binary.LittleEndian.Uint32(resp[4:]),
		Size:  binary.LittleEndian.Uint32(resp[8:]),
		Mtime: binary.LittleEndian.Uint32(resp[12:]),
	}
	// QUIT ends the sync session cleanly.
	_, _ = h.c.Write([]byte("QUIT\x00\x00\x00\x00"))
	if st == (syncStat{}) {
		return st, fmt.Errorf("%s on %s: %w", remote, d.serial, os.ErrNotExist)
	}
	return st, nil
}

func baseName(p string) string {
	if i := strings.LastIndexByte(strings.TrimRight(p, "/"), '/'); i >= 0 {
		return strings.TrimRight(p, "/")[i+1:]
	}
	return p
}
