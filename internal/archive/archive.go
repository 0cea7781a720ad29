// Package archive packs a trace directory into <dir>/archive.tar.gz, the
// file the upload sends, laid out as the original's `tar -czf
// archive.tar.gz ./*` run inside the directory (member names start "./").
package archive

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Name is the archive's file name inside the trace directory.
const Name = "archive.tar.gz"

// Create writes traceDir/archive.tar.gz (replacing an older one, never
// including itself) and returns its path. members names the top-level
// entries to pack (a run's meta/ and process directories); nil packs the
// whole directory.
func Create(traceDir string, members []string) (string, error) {
	tmp, err := os.CreateTemp(traceDir, ".archive-*.tmp")
	if err != nil {
		return "", fmt.Errorf("creating the trace archive: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp, traceDir, filepath.Base(tmp.Name()), members); err != nil {
		tmp.Close()
		return "", fmt.Errorf("creating the trace archive: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("creating the trace archive: %w", err)
	}
	final := filepath.Join(traceDir, Name)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("creating the trace archive: %w", err)
	}
	return final, nil
}

func write(w io.Writer, root, skipTmp string, members []string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	var only map[string]bool
	if members != nil {
		only = map[string]bool{}
		for _, m := range members {
			only[m] = true
		}
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." || rel == Name || rel == skipTmp {
			return nil
		}
		if top, _, _ := strings.Cut(filepath.ToSlash(rel), "/"); only != nil && !only[top] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return addEntry(tw, path, "./"+filepath.ToSlash(rel), d)
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func addEntry(tw *tar.Writer, path, name string, d fs.DirEntry) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		link, _ = os.Readlink(path)
	} else if !info.Mode().IsRegular() && !info.IsDir() {
		return nil // sockets, fifos: nothing a trace reader needs
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = name
	if info.IsDir() && !strings.HasSuffix(hdr.Name, "/") {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(tw, f, hdr.Size)
	return err
}
