package adb

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// DefaultServerPort is where the adb server listens unless
// $ANDROID_ADB_SERVER_PORT says otherwise (the same rule as the adb command).
const DefaultServerPort = 5037

// ServerPort returns the adb server port from $ANDROID_ADB_SERVER_PORT, or
// DefaultServerPort when it is unset.
func ServerPort() (int, error) {
	v := os.Getenv("ANDROID_ADB_SERVER_PORT")
	if v == "" {
		return DefaultServerPort, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("ANDROID_ADB_SERVER_PORT=%q is not a port number", v)
	}
	return p, nil
}

// ErrNoServer is returned (wrapped) when no adb server answers and none could
// be started.
var ErrNoServer = errors.New("adb server not running")

// serverUp reports whether something accepts connections on the server port.
func serverUp(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// ensureServer makes sure an adb server listens on port: when none does and
// the adb command is installed, it runs `adb start-server` (which honours
// $ANDROID_ADB_SERVER_PORT, set here to port), as the adb command itself
// would. This is the only adb subprocess the package ever runs.
func ensureServer(port int, start bool) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if serverUp(addr) {
		return nil
	}
	if !start {
		return fmt.Errorf("%w on port %d: start it with `adb start-server`", ErrNoServer, port)
	}
	adbPath, err := exec.LookPath("adb")
	if err != nil {
		return fmt.Errorf("%w on port %d and the adb command is not installed: install it (Debian/Ubuntu: apt install adb; elsewhere: Android SDK platform-tools) or start an adb server", ErrNoServer, port)
	}
	cmd := exec.Command(adbPath, "start-server")
	cmd.Env = append(os.Environ(), "ANDROID_ADB_SERVER_PORT="+strconv.Itoa(port))
	out, err := cmd.CombinedOutput()
	if err != nil || !serverUp(addr) {
		return fmt.Errorf("%w on port %d and `adb start-server` failed: %v %s", ErrNoServer, port, err, firstLine(string(out)))
	}
	return nil
}
