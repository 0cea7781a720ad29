// Package spool reads the shim's process spool (<procdir>/events.spool,
// see shim/spool.h) and splits it into the trace format's per-socket
// N.json files. While the program runs the shim appends every socket's
// JSON lines to this one file, tagged with the socket index, because
// creating one file per socket cost more than the traced program's own
// run time; the documented layout is produced after the process ends.
//
// The spool is a sequence of records: a 23-byte header
// "@<index, 10 digits> <length, 10 digits>\n" and then length bytes of
// complete JSON lines. A record cut short (the process was killed while
// appending) keeps its complete lines; nothing after it can exist, since
// each process appends only to its own spool. A zero byte where a header
// would start ends the spool: the shim maps a tail of zeros at the end of
// the file when the program limits its file size (shim/sandbox.h), and
// fills it record by record. There the shim cannot write logs.txt either:
// its log lines are the last record, of index NoteID, and the split
// appends them to logs.txt.
package spool

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"golang.org/x/sys/unix"
)

// Name is the spool's file name in a process directory.
const Name = "events.spool"

const hdrLen = 23

// NoteID is the index of the record of the shim's log lines (shim/spool.h).
const NoteID = 4294967295

// Segment is one record's lines: Len bytes at Off in the spool.
type Segment struct {
	Off, Len int64
}

// Index is where each socket's lines are in a spool, in the order they
// were appended.
type Index struct {
	Path    string
	Sockets map[int][]Segment
	Note    []Segment // the shim's log lines for logs.txt (NoteID)
	Cut     bool      // the last record was cut short (a killed process)
}

// Indices returns the socket indices in increasing order.
func (x *Index) Indices() []int {
	ids := make([]int, 0, len(x.Sockets))
	for id := range x.Sockets {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// Open reads the headers of the spool at path (not the lines themselves).
func Open(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return scan(f, st.Size(), path)
}

// scan walks the records of a spool of size bytes.
func scan(f io.ReaderAt, size int64, path string) (*Index, error) {
	x := &Index{Path: path, Sockets: map[int][]Segment{}}
	var hdr [hdrLen]byte
	for off := int64(0); off < size; {
		if size-off < hdrLen {
			x.Cut = true // the header itself was cut
			break
		}
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			return nil, err
		}
		if hdr[0] == 0 {
			// The unused end of a tail the shim mapped once the program
			// limited its file size (shim/sandbox.h): zero bytes.
			break
		}
		id, n, ok := parseHeader(hdr[:])
		if !ok {
			return nil, fmt.Errorf("%s: not a tcpsnitch spool record at byte %d (the file is damaged; the N.json files cannot be made from it)", path, off)
		}
		body := off + hdrLen
		if body+n > size {
			// Cut by a kill mid-append: keep its complete lines.
			x.Cut = true
			n = completeLines(f, body, size-body)
			if n > 0 && id != NoteID {
				x.Sockets[int(id)] = append(x.Sockets[int(id)], Segment{body, n})
			}
			break
		}
		if id == NoteID {
			x.Note = append(x.Note, Segment{body, n})
		} else {
			x.Sockets[int(id)] = append(x.Sockets[int(id)], Segment{body, n})
		}
		off = body + n
	}
	return x, nil
}

func parseHeader(h []byte) (id int64, n int64, ok bool) {
	if h[0] != '@' || h[11] != ' ' || h[22] != '\n' {
		return 0, 0, false
	}
	i, err1 := strconv.ParseUint(string(h[1:11]), 10, 32)
	l, err2 := strconv.ParseUint(string(h[12:22]), 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return int64(i), int64(l), true
}

// completeLines returns how many of the n bytes at off end with a newline.
func completeLines(f io.ReaderAt, off, n int64) int64 {
	buf := make([]byte, n)
	got, _ := f.ReadAt(buf, off)
	return int64(bytes.LastIndexByte(buf[:got], '\n') + 1)
}

// Reader returns socket id's lines, in order, read from the spool file f.
func (x *Index) Reader(f io.ReaderAt, id int) io.Reader {
	segs := x.Sockets[id]
	rs := make([]io.Reader, len(segs))
	for i, s := range segs {
		rs[i] = io.NewSectionReader(f, s.Off, s.Len)
	}
	return io.MultiReader(rs...)
}

// NoteText returns the shim's log lines kept in the spool read from f
// ("" when there are none).
func (x *Index) NoteText(f io.ReaderAt) (string, error) {
	var b bytes.Buffer
	for _, s := range x.Note {
		if _, err := io.Copy(&b, io.NewSectionReader(f, s.Off, s.Len)); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// Split turns the spool of process directory dir, if it has one, into
// its N.json files and then removes it. The spool is mapped into memory
// and each socket's segments are written straight from the mapping, so
// each file costs its open, write and close and nothing more. An N.json
// of a socket in the spool is rewritten whole, so a split cut short
// (tcpsnitch itself was killed) is finished by running it again. It
// returns the number of sockets written (0 and no error when there is no
// spool).
func Split(dir string) (int, error) {
	path := filepath.Join(dir, Name)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	data, err := mapFile(f)
	if err != nil {
		return 0, err
	}
	defer unmapFile(data)
	x, err := scan(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		return 0, err
	}
	// Files are created relative to the directory: no path walk each.
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	var iov [][]byte
	ids := x.Indices()
	for _, id := range ids {
		iov = iov[:0]
		for _, s := range x.Sockets[id] {
			iov = append(iov, data[s.Off:s.Off+s.Len])
		}
		if err := writeSocket(dfd, dir, strconv.Itoa(id)+".json", iov); err != nil {
			return 0, err
		}
	}
	if err := appendNote(dir, data, x); err != nil {
		return 0, err
	}
	if err := os.Remove(path); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// appendNote appends the shim's log lines kept in the spool to the
// process's logs.txt. A split run again after one cut short finds them
// there already and does not add them twice.
func appendNote(dir string, data []byte, x *Index) error {
	if len(x.Note) == 0 {
		return nil
	}
	text, err := x.NoteText(bytes.NewReader(data))
	if err != nil {
		return err
	}
	lines := []byte(text)
	path := filepath.Join(dir, "logs.txt")
	if old, err := os.ReadFile(path); err == nil && bytes.HasSuffix(old, lines) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(lines); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mapFile maps f, read-only; nil for an empty file.
func mapFile(f *os.File) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		return nil, nil
	}
	if st.Size() != int64(int(st.Size())) {
		return nil, fmt.Errorf("%s: %d bytes is more than this build of tcpsnitch can map; split it with a 64-bit tcpsnitch (tcpsnitch report reads it as it is)", f.Name(), st.Size())
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, &os.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return data, nil
}

func unmapFile(data []byte) {
	if data != nil {
		unix.Munmap(data)
	}
}

// writeSocket writes one socket's segments (slices of the mapped spool) to
// name in the directory dfd, with writev. It uses the system calls
// directly: the split makes thousands of small files, and os.File
// registers each with the runtime's poller (one more call per file).
func writeSocket(dfd int, dir, name string, iov [][]byte) error {
	fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "create", Path: filepath.Join(dir, name), Err: err}
	}
	for len(iov) > 0 {
		part := iov[:min(len(iov), 1024)] // IOV_MAX
		n, err := unix.Writev(fd, part)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return &os.PathError{Op: "write", Path: filepath.Join(dir, name), Err: err}
		}
		// Skip what was written: whole slices, then part of one.
		for n > 0 && len(iov) > 0 {
			if n >= len(iov[0]) {
				n -= len(iov[0])
				iov = iov[1:]
			} else {
				iov[0] = iov[0][n:]
				n = 0
			}
		}
		for len(iov) > 0 && len(iov[0]) == 0 {
			iov = iov[1:]
		}
	}
	if err := unix.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: filepath.Join(dir, name), Err: err}
	}
	return nil
}

// SplitAll splits the spool of every directory in dirs (a trace's process
// directories). It stops at the first error.
func SplitAll(dirs []string) error {
	for _, d := range dirs {
		if _, err := Split(d); err != nil {
			return err
		}
	}
	return nil
}
