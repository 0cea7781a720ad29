// Package simproto is the request/reply format between the in-device helper
// (simctl, playing the Android commands inside the simulated phone) and the
// test process that owns the device state (package adbtest), like a binder
// call to system_server: the caller's uid is taken from the socket
// (SO_PEERCRED), and its stdin/stdout/stderr travel with the request
// (SCM_RIGHTS) so the command's output goes straight to the caller's streams.
package simproto

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// SocketNameFile is the file inside the device that holds the name of the
// broker's abstract unix socket (abstract names need no path, so a chroot
// does not hide them and long temporary paths do not matter).
const SocketNameFile = "/dev/socket/simd"

// ListExtraFile holds "<dir>\t<name>" lines: names the device's sync LIST
// reports in dir although no such file exists (a hostile device, in tests).
const ListExtraFile = "/dev/__sim__/list-extra"

// Request runs one Android command on behalf of a process in the device.
type Request struct {
	Argv []string // Argv[0] is the command name (getprop, am, su, …)
	Cwd  string   // the caller's working directory, as seen in the device
	Env  []string // the caller's environment
}

// Reply ends a request.
type Reply struct {
	Exit  int    // the command's exit status
	Value string // a result for internal requests (the linker's LD_PRELOAD)
}

// Write sends v as a length-prefixed JSON frame.
func Write(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	frame := binary.LittleEndian.AppendUint32(nil, uint32(len(b)))
	_, err = w.Write(append(frame, b...))
	return err
}

// Frame returns v as a length-prefixed JSON frame (for sendmsg with fds).
func Frame(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(b))), b...), nil
}

// Read reads one frame written by Write or Frame into v.
func Read(r io.Reader, v any) error {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return err
	}
	size := binary.LittleEndian.Uint32(n[:])
	if size > 16<<20 {
		return fmt.Errorf("simproto: frame of %d bytes", size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
