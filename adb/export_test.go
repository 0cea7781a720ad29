package adb

import (
	"net"
	"strconv"
)

// KillServer stops the adb server on port (tests stop the servers they start).
func KillServer(port int) error {
	h, err := dialHost(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer h.Close()
	_, err = h.c.Write([]byte("0009host:kill"))
	return err
}
