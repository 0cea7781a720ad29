package tracefile

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Kind says what a file of a trace is.
type Kind int

const (
	KindOther  Kind = iota
	KindMeta        // meta/<fact>
	KindEvents      // <app>_NNN/N.json
	KindPcap        // <app>_NNN/N.pcap
	KindLogs        // <app>_NNN/logs.txt
	KindDNS         // <app>_NNN/dns.json (name lookups, one event per line)
)

// Entry is one file of a trace, met while walking it. Open may only be
// called during the callback that received the entry (archives are read
// in one pass).
type Entry struct {
	Kind    Kind
	Process string // "curl_000"; "" for meta files
	Name    string // file name: "0.json", "logs.txt", "app" (meta)
	Index   int    // socket index of N.json / N.pcap
	Path    string // for messages: the path on disk or "archive.tar.gz:curl_000/0.json"
	Open    func() (io.ReadCloser, error)
}

// NotATraceError: the path exists but holds no trace.
type NotATraceError struct{ Path, Why string }

func (e *NotATraceError) Error() string {
	return fmt.Sprintf("%s is not a tcpsnitch trace (%s): give the directory printed after \"Trace saved in\", or its archive.tar.gz or a .zip of it", e.Path, e.Why)
}

// Walk calls fn for every file of the trace at p: a trace directory, a
// .tar.gz (as uploaded) or a .zip of one. Directories are walked in sorted
// order; archives in their own order. Files of a process directory and the
// meta/ directory are reported; everything else is skipped. It returns a
// *NotATraceError when p holds neither meta/ nor a process directory.
func Walk(p string, fn func(Entry) error) error {
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s: no such file or directory (give a trace directory or archive)", p)
		}
		return err
	}
	var found bool
	count := func(e Entry) error {
		if e.Kind != KindOther {
			found = true
		}
		return fn(e)
	}
	if st.IsDir() {
		err = walkDir(p, count)
	} else {
		err = walkArchive(p, count)
	}
	if err != nil {
		return err
	}
	if !found {
		return &NotATraceError{Path: p, Why: "no meta/ and no <app>_NNN/ directory in it"}
	}
	return nil
}

// classify names a file from its parent directory and base name.
func classify(parent, name string) (Entry, bool) {
	if parent == "meta" {
		return Entry{Kind: KindMeta, Name: name}, true
	}
	if !processDirRe.MatchString(parent) {
		return Entry{}, false
	}
	e := Entry{Process: parent, Name: name}
	switch {
	case name == "logs.txt":
		e.Kind = KindLogs
	case name == "dns.json":
		e.Kind = KindDNS
	case strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".pcap"):
		stem, ext := name[:len(name)-5], name[len(name)-5:]
		n, err := strconv.Atoi(stem)
		if err != nil || n < 0 || stem == "" || stem[0] == '+' {
			return e, true
		}
		e.Index = n
		e.Kind = KindEvents
		if ext == ".pcap" {
			e.Kind = KindPcap
		}
	}
	return e, true
}

func walkDir(root string, fn func(Entry) error) error {
	top, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("reading trace directory: %w", err)
	}
	for _, d := range top {
		if !d.IsDir() || (d.Name() != "meta" && !processDirRe.MatchString(d.Name())) {
			continue
		}
		dir := filepath.Join(root, d.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading %s: %w", dir, err)
		}
		sortByIndex(files)
		for _, f := range files {
			if f.IsDir() {
				continue
			}
			e, ok := classify(d.Name(), f.Name())
			if !ok {
				continue
			}
			full := filepath.Join(dir, f.Name())
			e.Path = full
			e.Open = func() (io.ReadCloser, error) { return os.Open(full) }
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// sortByIndex orders N.json files by N (0, 1, 2, 10), others by name.
func sortByIndex(files []os.DirEntry) {
	key := func(n string) (int, bool) {
		stem, _, _ := strings.Cut(n, ".")
		i, err := strconv.Atoi(stem)
		return i, err == nil
	}
	sort.SliceStable(files, func(i, j int) bool {
		a, aok := key(files[i].Name())
		b, bok := key(files[j].Name())
		if aok && bok && a != b {
			return a < b
		}
		if aok != bok {
			return aok
		}
		return files[i].Name() < files[j].Name()
	})
}

func walkArchive(p string, fn func(Entry) error) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return walkTarGz(p, f, fn)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")), bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		st, _ := f.Stat()
		return walkZip(p, f, st.Size(), fn)
	}
	return &NotATraceError{Path: p, Why: "a file that is neither a directory, a .tar.gz nor a .zip"}
}

// archiveEntry classifies a member name like "./curl_000/0.json" or
// "trace/meta/app" by its last two components.
func archiveEntry(archive, name string) (Entry, bool) {
	name = path.Clean(strings.TrimPrefix(name, "./"))
	dir, base := path.Split(name)
	parent := path.Base(strings.TrimSuffix(dir, "/"))
	if dir == "" {
		return Entry{}, false
	}
	e, ok := classify(parent, base)
	e.Path = archive + ":" + name
	return e, ok
}

func walkTarGz(p string, f *os.File, fn func(Entry) error) error {
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: not a gzip archive: %w", p, err)
	}
	tr := tar.NewReader(gz)
	members := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if members == 0 {
				return &NotATraceError{Path: p, Why: "a gzip file that is not a tar archive: " + err.Error()}
			}
			return fmt.Errorf("%s: damaged archive after %d files: %w", p, members, err)
		}
		members++
		if h.Typeflag != tar.TypeReg {
			continue
		}
		e, ok := archiveEntry(p, h.Name)
		if !ok {
			continue
		}
		e.Open = func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }
		if err := fn(e); err != nil {
			return err
		}
	}
}

func walkZip(p string, f *os.File, size int64, fn func(Entry) error) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return &NotATraceError{Path: p, Why: "a damaged zip archive: " + err.Error()}
	}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		e, ok := archiveEntry(p, zf.Name)
		if !ok {
			continue
		}
		zf := zf
		e.Open = func() (io.ReadCloser, error) { return zf.Open() }
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
