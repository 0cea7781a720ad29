package adb

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/electricbubble/gadb"
)

// Options configures a Client.
type Options struct {
	// Port of the adb server; 0 means $ANDROID_ADB_SERVER_PORT or 5037.
	Port int
	// StartServer runs `adb start-server` when no server answers and the adb
	// command is installed.
	StartServer bool
	// Progress receives progress bars for push and pull; nil for none (the
	// caller passes stderr only when it is a terminal).
	Progress io.Writer
}

// Client is a connection to the host's adb server.
type Client struct {
	addr     string
	port     int
	g        gadb.Client
	progress io.Writer
}

// NewClient connects to the adb server, starting it first if asked to.
func NewClient(o Options) (*Client, error) {
	port := o.Port
	if port == 0 {
		p, err := ServerPort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	if err := ensureServer(port, o.StartServer); err != nil {
		return nil, err
	}
	g, err := gadb.NewClientWith("127.0.0.1", port)
	if err != nil {
		return nil, fmt.Errorf("%w on port %d: %v", ErrNoServer, port, err)
	}
	return &Client{
		addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		port:     port,
		g:        g,
		progress: o.Progress,
	}, nil
}

// Port is the adb server port this client talks to.
func (c *Client) Port() int { return c.port }

// Device opens the device with this serial, which must be online ("device"
// state); use Devices to see every attached device and its state.
func (c *Client) Device(serial string) (Device, error) {
	list, err := c.g.DeviceList()
	if err != nil {
		return nil, fmt.Errorf("adb: listing devices: %w", err)
	}
	for _, g := range list {
		if g.Serial() == serial {
			return &device{client: c, serial: serial, g: g}, nil
		}
	}
	states, err := c.states()
	if err == nil {
		if st, ok := states[serial]; ok {
			return nil, &StateError{Serial: serial, State: st}
		}
	}
	return nil, fmt.Errorf("adb: no device %q attached", serial)
}
