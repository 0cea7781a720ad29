package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/simproto"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/selabel"
)

// The sync protocol (AOSP adb/SYNC.TXT, version 1): each request is a 4-byte
// id, a little-endian u32 length and that many bytes of data.
const maxSyncData = 64 * 1024

// syncServer serves sync requests until QUIT, end of input or a failure
// (after a FAIL the device closes the stream, as adbd does). It returns the
// process exit status.
func syncServer(in io.Reader, out io.Writer) int {
	r := bufio.NewReaderSize(in, 256*1024)
	// Big enough for a whole DATA chunk plus DONE: the last DATA and DONE of a
	// RECV must leave in one write (see android.md).
	w := bufio.NewWriterSize(out, 2*maxSyncData)
	defer w.Flush()
	for {
		id, data, err := readRequest(r)
		if err != nil {
			return 0
		}
		switch id {
		case "STAT":
			mode, size, mtime := lstat(data)
			putMsg(w, "STAT", mode, size, mtime)
		case "LIST":
			list(w, data)
		case "SEND":
			if err := send(r, w, data); err != nil {
				fail(w, err.Error())
				return 1
			}
		case "RECV":
			if err := recv(w, data); err != nil {
				fail(w, err.Error())
				return 1
			}
		case "QUIT":
			return 0
		default:
			fail(w, "unknown sync request "+strconv.Quote(id))
			return 1
		}
		if err := w.Flush(); err != nil {
			return 1
		}
	}
}

func readRequest(r io.Reader) (string, string, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", "", err
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n > 1024*1024 {
		return "", "", errors.New("request too long")
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return "", "", err
	}
	return string(hdr[:4]), string(data), nil
}

// putMsg writes an id followed by little-endian u32 fields.
func putMsg(w io.Writer, id string, fields ...uint32) {
	b := []byte(id)
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint32(b, f)
	}
	w.Write(b)
}

func fail(w *bufio.Writer, msg string) {
	putMsg(w, "FAIL", uint32(len(msg)))
	w.WriteString(msg)
	w.Flush()
}

// lstat answers zeros for a missing path, as adbd does (not FAIL). A trailing
// slash makes the kernel follow a symlink, which is how `adb pull` asks
// whether a link points to a directory.
func lstat(p string) (mode, size, mtime uint32) {
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		return 0, 0, 0
	}
	return st.Mode, uint32(st.Size), uint32(st.Mtim.Sec)
}

// list sends a DENT per entry, `.` and `..` included, then a 20-byte DONE.
// A directory that cannot be opened lists as empty, like adbd.
func list(w io.Writer, dir string) {
	names := []string{}
	if f, err := os.Open(dir); err == nil {
		names = append(names, ".", "..")
		more, _ := f.Readdirnames(-1)
		names = append(names, more...)
		f.Close()
	}
	for _, name := range names {
		mode, size, mtime := lstat(filepath.Join(dir, name))
		putMsg(w, "DENT", mode, size, mtime, uint32(len(name)))
		io.WriteString(w, name)
	}
	// A hostile (or broken) device may report any name at all: the test
	// knob Device.InjectListEntry adds such entries (regular files of one
	// byte) to the listing of a directory.
	if b, err := os.ReadFile(simproto.ListExtraFile); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			d, name, ok := strings.Cut(line, "\t")
			if ok && filepath.Clean(d) == filepath.Clean(dir) {
				putMsg(w, "DENT", 0o100644, 1, 0, uint32(len(name)))
				io.WriteString(w, name)
			}
		}
	}
	putMsg(w, "DONE", 0, 0, 0, 0)
}

// send receives a file: `path,mode` (mode parsed like strtoul(…, 0)), DATA
// chunks, then DONE carrying the mtime; parent directories are created.
func send(r io.Reader, w io.Writer, spec string) error {
	comma := strings.LastIndexByte(spec, ',')
	if comma < 0 {
		return errors.New("missing mode in SEND " + strconv.Quote(spec))
	}
	path := spec[:comma]
	mode64, err := strconv.ParseUint(spec[comma+1:], 0, 32)
	if err != nil {
		return fmt.Errorf("bad mode in SEND %q", spec)
	}
	mode := uint32(mode64)
	if err := os.MkdirAll(filepath.Dir(path), 0o775); err != nil {
		return fmt.Errorf("secure_mkdirs failed: %v", unwrap(err))
	}
	isLink := mode&syscall.S_IFMT == syscall.S_IFLNK
	var file *os.File
	var target []byte
	if !isLink {
		os.Remove(path) // like adbd: replace, do not write through an old file
		file, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(mode&0o777))
		if err != nil {
			return fmt.Errorf("couldn't create file: %v", unwrap(err))
		}
		defer file.Close()
	}
	for {
		id, n, err := readHeader(r)
		if err != nil {
			return err
		}
		switch id {
		case "DATA":
			if n > maxSyncData {
				return errors.New("data chunk too large")
			}
			buf := make([]byte, n)
			if _, err := io.ReadFull(r, buf); err != nil {
				return err
			}
			if isLink {
				target = append(target, buf...)
			} else if _, err := file.Write(buf); err != nil {
				return fmt.Errorf("write failed: %v", unwrap(err))
			}
		case "DONE":
			if isLink {
				os.Remove(path)
				if err := os.Symlink(string(target), path); err != nil {
					return fmt.Errorf("symlink failed: %v", unwrap(err))
				}
			} else {
				file.Chmod(os.FileMode(mode & 0o777)) // not reduced by the umask
				if err := file.Close(); err != nil {
					return err
				}
				syscall.Setxattr(path, selabel.XattrName, []byte(selabel.Default(path)), 0)
				t := syscall.NsecToTimeval(int64(n) * 1e9)
				syscall.Utimes(path, []syscall.Timeval{t, t})
			}
			putMsg(w, "OKAY", 0)
			return nil
		default:
			return fmt.Errorf("invalid data message %q", id)
		}
	}
}

func readHeader(r io.Reader) (string, uint32, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return "", 0, err
	}
	return string(hdr[:4]), binary.LittleEndian.Uint32(hdr[4:]), nil
}

// recv sends a file as DATA chunks then DONE; the caller's flush puts the
// last chunk and DONE in one write.
func recv(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open failed: %v", unwrap(err))
	}
	defer f.Close()
	buf := make([]byte, maxSyncData)
	for {
		n, err := f.Read(buf)
		if n > 0 {
			putMsg(w, "DATA", uint32(n))
			w.Write(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read failed: %v", unwrap(err))
		}
	}
	putMsg(w, "DONE", 0)
	return nil
}

// unwrap returns the errno of a failed call as strerror words it
// ("Permission denied"), like adbd's messages.
func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return errors.New(msg)
}
