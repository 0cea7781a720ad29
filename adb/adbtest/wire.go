package adbtest

import (
	"encoding/binary"
	"fmt"
	"io"
)

// adb transport messages (AOSP adb/protocol.txt): a 24-byte header of six
// little-endian u32 — command, arg0, arg1, data length, data checksum, magic
// (command ^ 0xffffffff) — then the data.
const (
	aCNXN = 0x4e584e43
	aAUTH = 0x48545541
	aOPEN = 0x4e45504f
	aOKAY = 0x59414b4f
	aWRTE = 0x45545257
	aCLSE = 0x45534c43

	// The version from which checksums are neither sent nor checked.
	versionSkipChecksum = 0x01000001
	// The largest payload a device accepts (Android 9+).
	deviceMaxData = 1024 * 1024
	// CNXN and AUTH must fit in 4 KiB whatever maxdata says.
	maxConnectData = 4096

	authToken = 1 // AUTH arg0: the device sends a token to sign
)

type message struct {
	cmd, arg0, arg1 uint32
	data            []byte
}

func (m message) String() string {
	var id [4]byte
	binary.LittleEndian.PutUint32(id[:], m.cmd)
	return fmt.Sprintf("%s(%#x, %#x, %d bytes)", id[:], m.arg0, m.arg1, len(m.data))
}

func readMessage(r io.Reader, maxData uint32) (message, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return message{}, err
	}
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(h[i*4:]) }
	m := message{cmd: u(0), arg0: u(1), arg1: u(2)}
	if u(5) != m.cmd^0xffffffff {
		return m, fmt.Errorf("adbtest: bad magic in %v", m)
	}
	n := u(3)
	if n > maxData {
		return m, fmt.Errorf("adbtest: %v announces %d bytes (max %d)", m, n, maxData)
	}
	m.data = make([]byte, n)
	_, err := io.ReadFull(r, m.data)
	return m, err
}

// encode returns the message; the checksum (a byte sum) is filled in only
// for peers older than versionSkipChecksum.
func (m message) encode(version uint32) []byte {
	b := make([]byte, 24, 24+len(m.data))
	var sum uint32
	if version < versionSkipChecksum {
		for _, c := range m.data {
			sum += uint32(c)
		}
	}
	for i, v := range []uint32{m.cmd, m.arg0, m.arg1, uint32(len(m.data)), sum, m.cmd ^ 0xffffffff} {
		binary.LittleEndian.PutUint32(b[i*4:], v)
	}
	return append(b, m.data...)
}
