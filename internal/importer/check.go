package importer

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// Checked is what the upload learns from checking an archive.
type Checked struct {
	Format    string
	Root      string            // "" or "<dir>/" when the archive wraps the trace in one directory
	Meta      map[string]string // meta/ files, trailing newline removed
	Processes int
	Sockets   int
	Events    int64
}

// Check reads a whole archive and refuses it unless it is a trace: a root
// (or a single top directory) holding meta/ with the 13 required files, and
// process directories whose N.json files are event lines that
// tracefile.ParseRawEvent accepts, each shorter than MaxLine and valid
// UTF-8. Nothing is written anywhere.
func Check(file string, lim Limits) (*Checked, error) {
	format, err := Sniff(file)
	if err != nil {
		return nil, err
	}
	c := &Checked{Format: format, Meta: map[string]string{}}
	metaAt := map[string]map[string]string{} // root → meta files found under it
	tops := map[string]bool{}
	procs := map[string]bool{}
	lr := newLineReader(lim.MaxLine)
	err = Walk(file, format, lim, func(m *Member) error {
		top, _, _ := strings.Cut(m.Name, "/")
		tops[top] = true
		for _, root := range []string{"", top + "/"} {
			r := classify(m.Name, root)
			switch r.kind {
			case roleMeta:
				v, err := readMeta(m, lim.MaxMeta)
				if err != nil {
					return err
				}
				if metaAt[root] == nil {
					metaAt[root] = map[string]string{}
				}
				metaAt[root][r.file] = v
				return nil
			case roleEvents:
				procs[root+r.process] = true
				c.Sockets++
				lr.reset(m.R, m.Name)
				return lr.each(func(line []byte, n int) error {
					if _, err := tracefile.ParseRawEvent(line); err != nil {
						return reject(http.StatusBadRequest, "%s line %d: %v", m.Name, n, err)
					}
					c.Events++
					return nil
				})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case metaAt[""] != nil:
		c.Meta = metaAt[""]
	case len(tops) == 1 && len(metaAt) == 1:
		for root, meta := range metaAt {
			c.Root, c.Meta = root, meta
		}
	default:
		return nil, reject(http.StatusBadRequest, "the archive has no meta/ directory at its root (archive the trace directory itself: cd <trace dir> && tar -czf archive.tar.gz ./*)")
	}
	var missing []string
	for _, name := range store.MetaNames {
		if _, ok := c.Meta[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, reject(http.StatusBadRequest, "meta/ lacks %s (a trace's meta/ holds %s)", strings.Join(missing, ", "), strings.Join(store.MetaNames, ", "))
	}
	for p := range procs {
		if strings.HasPrefix(p, c.Root) {
			c.Processes++
		}
	}
	return c, nil
}

func readMeta(m *Member, max int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(m.R, max+1))
	if err != nil {
		return "", readErr(m.Name, err)
	}
	if int64(len(b)) > max {
		return "", reject(http.StatusRequestEntityTooLarge, "%s is larger than %d bytes", m.Name, max)
	}
	if !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		return "", reject(http.StatusBadRequest, "%s is not UTF-8 text", m.Name)
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// readErr keeps rejections as they are and names the member otherwise.
func readErr(name string, err error) error {
	var rj *Rejection
	if errors.As(err, &rj) {
		return err
	}
	return reject(http.StatusBadRequest, "%s cannot be read from the archive: %v", name, err)
}

// lineReader yields the non-blank lines of a member, refusing lines longer
// than its limit and bytes that are not UTF-8.
type lineReader struct {
	br   *bufio.Reader
	max  int
	name string
}

func newLineReader(max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(nil, max), max: max}
}

func (l *lineReader) reset(r io.Reader, name string) {
	l.br.Reset(r)
	l.name = name
}

func (l *lineReader) each(fn func(line []byte, n int) error) error {
	n := 0
	for {
		line, err := l.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return reject(http.StatusBadRequest, "%s line %d is longer than %d bytes (the server's limit)", l.name, n+1, l.max)
		}
		if err != nil && err != io.EOF {
			return readErr(l.name, err)
		}
		if len(line) > 0 {
			n++
			if t := trimSpace(line); len(t) > 0 {
				if !utf8.Valid(t) {
					return reject(http.StatusBadRequest, "%s line %d is not UTF-8", l.name, n)
				}
				if ferr := fn(t, n); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
