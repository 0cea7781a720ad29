package adbtest

import (
	"crypto/rand"
	"net"
	"strings"
	"sync"
)

// conn is one transport connection from the adb server (after `adb
// connect`): the CNXN/AUTH handshake, then any number of streams.
type conn struct {
	d  *Device
	nc net.Conn

	wmu     sync.Mutex // one message at a time on the wire
	version uint32
	maxData uint32

	mu      sync.Mutex
	online  bool
	streams map[uint32]*stream
	nextID  uint32
}

func (d *Device) serveConn(nc net.Conn) {
	c := &conn{d: d, nc: nc, version: versionSkipChecksum, maxData: maxConnectData,
		streams: map[uint32]*stream{}, nextID: 1}
	d.trackConn(c, true)
	defer func() {
		d.trackConn(c, false)
		nc.Close()
		c.mu.Lock()
		for _, s := range c.streams {
			s.hostClosed()
		}
		c.streams = nil
		c.mu.Unlock()
	}()
	for {
		m, err := readMessage(nc, deviceMaxData)
		if err != nil {
			return
		}
		switch m.cmd {
		case aCNXN:
			c.handshake(m)
		case aAUTH:
			// An unauthorized phone never accepts a signature nor a public
			// key (nobody taps "Allow"): answer a signature with a new token
			// and ignore the key, so the server keeps it "unauthorized".
			if c.d.cfg.Unauthorized && m.arg0 == 2 {
				c.sendAuthToken()
			}
		case aOPEN:
			if !c.isOnline() {
				continue
			}
			c.open(m.arg0, strings.TrimRight(string(m.data), "\x00"))
		case aOKAY:
			if s := c.stream(m.arg1); s != nil {
				s.acked()
			}
		case aWRTE:
			if s := c.stream(m.arg1); s != nil {
				s.push(m.data)
			}
		case aCLSE:
			// A CLSE is never answered.
			c.mu.Lock()
			s := c.streams[m.arg1]
			delete(c.streams, m.arg1)
			c.mu.Unlock()
			if s != nil {
				s.hostClosed()
			}
		}
	}
}

func (c *conn) handshake(m message) {
	c.mu.Lock()
	c.version = min(m.arg0, versionSkipChecksum)
	c.maxData = min(max(m.arg1, maxConnectData), deviceMaxData)
	c.mu.Unlock()
	if c.d.cfg.Unauthorized {
		c.sendAuthToken()
		return
	}
	c.mu.Lock()
	c.online = true
	c.mu.Unlock()
	c.send(message{cmd: aCNXN, arg0: versionSkipChecksum, arg1: c.maxData, data: []byte(c.d.banner())})
}

func (c *conn) sendAuthToken() {
	token := make([]byte, 20)
	rand.Read(token)
	c.send(message{cmd: aAUTH, arg0: authToken, data: token})
}

func (c *conn) isOnline() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.online
}

func (c *conn) stream(localID uint32) *stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.streams[localID]
}

func (c *conn) send(m message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.nc.Write(m.encode(c.version))
	return err
}

// open starts a service for the host's OPEN: OKAY(local, remote) when the
// service exists, else CLSE(0, remote).
func (c *conn) open(remoteID uint32, service string) {
	handler := c.d.service(service)
	if handler == nil {
		c.send(message{cmd: aCLSE, arg0: 0, arg1: remoteID})
		return
	}
	c.mu.Lock()
	s := newStream(c, c.nextID, remoteID)
	c.streams[s.localID] = s
	c.nextID++
	c.mu.Unlock()
	c.send(message{cmd: aOKAY, arg0: s.localID, arg1: remoteID})
	go handler(s)
}

// drop closes the transport, as adbd does when it restarts; the adb server
// marks the device offline and reconnects by itself.
func (c *conn) drop() { c.nc.Close() }
