package adb

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// The host side of the adb smart-socket protocol, for the services gadb
// v0.1.0 does not offer in a usable form (`host:devices-l` with the state of
// every device, `root:`). A request is a 4-hex-digit length and the service
// name; the server answers OKAY or FAIL + length-prefixed message.

const hostIOTimeout = 30 * time.Second

type hostConn struct{ c net.Conn }

func dialHost(addr string) (*hostConn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v", ErrNoServer, addr, err)
	}
	_ = c.SetDeadline(time.Now().Add(hostIOTimeout))
	return &hostConn{c}, nil
}

func (h *hostConn) Close() error { return h.c.Close() }

// request sends one service request and checks the OKAY/FAIL status.
func (h *hostConn) request(service string) error {
	if _, err := fmt.Fprintf(h.c, "%04x%s", len(service), service); err != nil {
		return err
	}
	var status [4]byte
	if _, err := io.ReadFull(h.c, status[:]); err != nil {
		return fmt.Errorf("adb server: %s: %w", service, err)
	}
	switch string(status[:]) {
	case "OKAY":
		return nil
	case "FAIL":
		msg, err := h.readString()
		if err != nil {
			return fmt.Errorf("adb server: %s failed", service)
		}
		return &ServerError{Service: service, Message: msg}
	default:
		return fmt.Errorf("adb server: %s: unexpected answer %q", service, status[:])
	}
}

// readString reads one length-prefixed string.
func (h *hostConn) readString() (string, error) {
	var hexLen [4]byte
	if _, err := io.ReadFull(h.c, hexLen[:]); err != nil {
		return "", err
	}
	n, err := strconv.ParseUint(string(hexLen[:]), 16, 32)
	if err != nil {
		return "", fmt.Errorf("adb server: bad length %q", hexLen[:])
	}
	buf := make([]byte, n)
	_, err = io.ReadFull(h.c, buf)
	return string(buf), err
}

// ServerError is a FAIL answer from the adb server, e.g. "device unauthorized".
type ServerError struct{ Service, Message string }

func (e *ServerError) Error() string {
	return fmt.Sprintf("adb: %s", strings.TrimSpace(e.Message))
}

// hostQuery runs a host service that answers with one length-prefixed string.
func hostQuery(addr, service string) (string, error) {
	h, err := dialHost(addr)
	if err != nil {
		return "", err
	}
	defer h.Close()
	if err := h.request(service); err != nil {
		return "", err
	}
	return h.readString()
}

// deviceQuery switches a connection to one device's transport, runs a device
// service and returns all it writes until it closes the stream.
func deviceQuery(addr, serial, service string) (string, error) {
	h, err := dialHost(addr)
	if err != nil {
		return "", err
	}
	defer h.Close()
	if err := h.request("host:transport:" + serial); err != nil {
		return "", err
	}
	if err := h.request(service); err != nil {
		return "", err
	}
	out, err := io.ReadAll(h.c)
	return string(out), err
}

// streamQuery runs a device service and returns all it writes until it
// closes the stream. Unlike deviceQuery there is no I/O deadline once the
// service is open: a command may run for as long as it needs; cancelling
// ctx closes the connection, and the adb server then closes the stream on
// the device (adbd ends the command).
func streamQuery(ctx context.Context, addr, serial, service string) (string, error) {
	h, err := dialHost(addr)
	if err != nil {
		return "", err
	}
	defer h.Close()
	if err := h.request("host:transport:" + serial); err != nil {
		return "", err
	}
	if err := h.request(service); err != nil {
		return "", err
	}
	_ = h.c.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { h.c.Close() })
	defer stop()
	out, err := io.ReadAll(h.c)
	return string(out), err
}
