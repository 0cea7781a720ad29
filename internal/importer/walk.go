// Package importer checks uploaded trace archives and imports them into the
// store in the background. Archives are never extracted to disk: they are
// read as streams, member by member, so a hostile member name can never
// write anywhere.
package importer

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
)

// Limits bound what an archive may expand to.
type Limits struct {
	MaxExpanded int64 // total bytes of all members once decompressed
	MaxFiles    int   // members
	MaxLine     int   // bytes in one event line
	MaxMeta     int64 // bytes in one meta/ file
}

// DefaultLimits fit a long trace (a million events is ~250 MB of JSON).
var DefaultLimits = Limits{MaxExpanded: 4 << 30, MaxFiles: 200000, MaxLine: 1 << 20, MaxMeta: 4 << 20}

// Rejection is an archive refused with a reason for the uploader and the
// HTTP status that says what kind of problem it is.
type Rejection struct {
	Status int // 400, 413 or 415
	Msg    string
}

func (r *Rejection) Error() string { return r.Msg }

func reject(status int, format string, a ...any) error {
	return &Rejection{Status: status, Msg: fmt.Sprintf(format, a...)}
}

// Format of an archive, from its first bytes.
const (
	FormatTarGz = "tar.gz"
	FormatZip   = "zip"
)

// Sniff names the archive format of a file, or rejects it (415).
func Sniff(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return FormatTarGz, nil
	case len(head) == 4 && string(head) == "PK\x03\x04", len(head) == 4 && string(head) == "PK\x05\x06":
		return FormatZip, nil
	}
	return "", reject(http.StatusUnsupportedMediaType, "the archive is neither a .tar.gz nor a .zip file (send the trace directory as tar -czf archive.tar.gz ./*)")
}

// Member is one regular file of an archive, named relative to its root.
type Member struct {
	Name string // cleaned, "/"-separated, never absolute, never with ".."
	Size int64
	R    io.Reader // the member's content
}

// Walk calls fn for every regular file of the archive, in archive order,
// after checking its name and type. Directories are skipped; links, devices
// and anything but plain files are rejected, as are absolute or climbing
// names and archives past the limits.
func Walk(file, format string, lim Limits, fn func(*Member) error) error {
	budget := &expandBudget{left: lim.MaxExpanded, limit: lim.MaxExpanded}
	files := 0
	visit := func(name string, kind memberKind, size int64, r io.Reader) error {
		clean, err := cleanName(name)
		if err != nil {
			return err
		}
		if clean == "" {
			return nil // the archive's "./"
		}
		switch kind {
		case kindDir:
			return nil
		case kindSymlink:
			return reject(http.StatusBadRequest, "archive member %q is a symbolic link; traces hold plain files only", clean)
		case kindHardlink:
			return reject(http.StatusBadRequest, "archive member %q is a hard link; traces hold plain files only", clean)
		case kindOther:
			return reject(http.StatusBadRequest, "archive member %q is a device, fifo or other special file; traces hold plain files only", clean)
		}
		files++
		if files > lim.MaxFiles {
			return reject(http.StatusRequestEntityTooLarge, "the archive holds more than %d files (the server's limit)", lim.MaxFiles)
		}
		if size < 0 || size > budget.left {
			return budget.tooBig()
		}
		budget.left -= size
		return fn(&Member{Name: clean, Size: size, R: io.LimitReader(r, size)})
	}
	var err error
	if format == FormatZip {
		err = walkZip(file, visit)
	} else {
		err = walkTarGz(file, visit)
	}
	return err
}

type memberKind int

const (
	kindFile memberKind = iota
	kindDir
	kindSymlink
	kindHardlink
	kindOther
)

func walkTarGz(file string, visit func(string, memberKind, int64, io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return reject(http.StatusBadRequest, "the archive is not valid gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var rj *Rejection
			if errors.As(err, &rj) {
				return err
			}
			return reject(http.StatusBadRequest, "the gzip file does not hold a valid tar archive: %v", err)
		}
		kind := kindOther
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			kind = kindFile
		case tar.TypeDir:
			kind = kindDir
		case tar.TypeSymlink:
			kind = kindSymlink
		case tar.TypeLink:
			kind = kindHardlink
		}
		if err := visit(h.Name, kind, h.Size, tr); err != nil {
			return err
		}
	}
}

func walkZip(file string, visit func(string, memberKind, int64, io.Reader) error) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return reject(http.StatusBadRequest, "the archive is not a valid zip file: %v", err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		mode := zf.Mode()
		kind := kindOther
		switch {
		case mode.IsDir():
			kind = kindDir
		case mode&os.ModeSymlink != 0:
			kind = kindSymlink
		case mode.IsRegular():
			kind = kindFile
		}
		var r io.Reader = strings.NewReader("")
		var rc io.ReadCloser
		if kind == kindFile {
			rc, err = zf.Open()
			if err != nil {
				return reject(http.StatusBadRequest, "zip member %q cannot be read: %v", zf.Name, err)
			}
			r = rc
		}
		err := visit(zf.Name, kind, int64(zf.UncompressedSize64), r)
		if rc != nil {
			rc.Close()
		}
		if err != nil {
			var rj *Rejection
			if errors.As(err, &rj) {
				return err
			}
			if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrAlgorithm) {
				return reject(http.StatusBadRequest, "zip member %q is corrupt: %v", zf.Name, err)
			}
			return err
		}
	}
	return nil
}

// cleanName turns an archive member name into a relative "/" path, or
// rejects it. "./a/b" and "a/b/" are fine; "/a", "../a", "a/../../b" and
// names with NUL or backslashes are not.
func cleanName(name string) (string, error) {
	if strings.ContainsAny(name, "\x00\\") {
		return "", reject(http.StatusBadRequest, "archive member %q has a NUL or backslash in its name", name)
	}
	if strings.HasPrefix(name, "/") {
		return "", reject(http.StatusBadRequest, "archive member %q has an absolute path; members must be relative to the trace directory", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", reject(http.StatusBadRequest, "archive member %q climbs out of the archive with \"..\"", name)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// expandBudget is what the archive may still expand to. Members are charged
// their declared size before they are read (tar sizes are exact; zip's
// reader fails on a member longer than declared), so a bomb is refused
// before it is decompressed.
type expandBudget struct{ left, limit int64 }

func (b *expandBudget) tooBig() error {
	return reject(http.StatusRequestEntityTooLarge, "the archive expands to more than %d bytes (the server's limit; a gzip bomb?)", b.limit)
}
