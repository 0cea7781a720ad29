package adb

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/electricbubble/gadb"
)

// Device is one online Android device.
type Device interface {
	Sheller
	Serial() string
	// Push writes size bytes from r to the device file remote with mode.
	Push(r io.Reader, size int64, remote string, mode os.FileMode) error
	// PushFile copies a local file to the device.
	PushFile(local, remote string, mode os.FileMode) error
	// ReadFile returns a device file's content; a missing file is an
	// error wrapping os.ErrNotExist.
	ReadFile(remote string) ([]byte, error)
	// PullDir copies a device directory tree into the local directory.
	PullDir(remote, local string) (PullStats, error)
	// AdbRoot restarts adbd as root (`adb root`) and waits until the
	// device is back; an error says why not (production build).
	AdbRoot() error
}

// device is a Device reached through the adb server with gadb.
type device struct {
	client *Client
	serial string
	g      gadb.Device
	ctx    context.Context // nil: never cancelled
}

// WithContext returns d bound to ctx: a shell command, push or pull under
// way is abandoned when ctx is cancelled (the adb server then closes the
// stream, which ends the command on the device), and later ones fail at
// once with an error wrapping ctx.Err().
func WithContext(ctx context.Context, d Device) Device {
	if dd, ok := d.(*device); ok {
		c := *dd
		c.ctx = ctx
		return &c
	}
	return d
}

func (d *device) context() context.Context {
	if d.ctx == nil {
		return context.Background()
	}
	return d.ctx
}

// interrupted wraps the context's error (context.Canceled for Ctrl-C).
func (d *device) interrupted() error {
	if err := d.context().Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	return nil
}

func (d *device) Serial() string { return d.serial }

// ShellLine runs cmdline through the legacy shell service and recovers the
// exit status from an appended marker. It speaks to the adb server itself
// rather than through gadb, whose 60 s read deadline would cut off a
// command that prints nothing for a minute (a root grant prompt, a slow
// copy); only the context ends the wait.
func (d *device) ShellLine(cmdline string) (Result, error) {
	if err := d.interrupted(); err != nil {
		return Result{}, err
	}
	marker := newMarker()
	raw, err := streamQuery(d.context(), d.client.addr, d.serial, "shell:"+withStatus(cmdline, marker))
	if ierr := d.interrupted(); ierr != nil {
		return Result{}, ierr
	}
	if err != nil {
		return Result{}, d.connErr("shell", err)
	}
	return parseStatus(raw, marker)
}

// connErr turns a transport failure into a message naming the device and,
// when the server knows, its state.
func (d *device) connErr(op string, err error) error {
	if states, serr := d.client.states(); serr == nil {
		if st, ok := states[d.serial]; !ok {
			return fmt.Errorf("device %s disappeared during %s: %v", d.serial, op, err)
		} else if st != StateDevice {
			return &StateError{Serial: d.serial, State: st}
		}
	}
	return fmt.Errorf("device %s: %s: %w", d.serial, op, err)
}

func (d *device) Push(r io.Reader, size int64, remote string, mode os.FileMode) error {
	if err := d.interrupted(); err != nil {
		return err
	}
	bar := newBar(d.client.progress, size, "push "+baseName(remote))
	if bar != nil {
		r = io.TeeReader(r, bar)
		defer bar.Finish()
	}
	if err := d.g.Push(r, remote, time.Now(), mode.Perm()); err != nil {
		return fmt.Errorf("push %s: %w", remote, err)
	}
	return nil
}

func (d *device) PushFile(local, remote string, mode os.FileMode) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return d.Push(f, st.Size(), remote, mode)
}

func (d *device) ReadFile(remote string) ([]byte, error) {
	if err := d.interrupted(); err != nil {
		return nil, err
	}
	st, err := d.stat(remote)
	if err != nil {
		return nil, err
	}
	if st.Mode&modeTypeMask != modeRegular {
		return nil, fmt.Errorf("%s on %s: %w", remote, d.serial, os.ErrNotExist)
	}
	var buf bytes.Buffer
	if err := d.g.Pull(remote, &buf); err != nil {
		return nil, fmt.Errorf("pull %s: %w", remote, err)
	}
	return buf.Bytes(), nil
}

func (d *device) AdbRoot() error {
	msg, err := deviceQuery(d.client.addr, d.serial, "root:")
	if err != nil {
		return fmt.Errorf("adb root: %w", err)
	}
	msg = strings.TrimSpace(msg)
	switch {
	case strings.Contains(msg, "already running as root"):
		return nil
	case strings.Contains(msg, "restarting adbd as root"):
		return d.waitRoot(20 * time.Second)
	default:
		return fmt.Errorf("adb root: %s", msg)
	}
}

// waitRoot waits for the device to reconnect after adbd restarted, and
// checks that its shell is now root.
func (d *device) waitRoot(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		states, err := d.client.states()
		if err != nil || states[d.serial] != StateDevice {
			continue
		}
		g, err := d.client.Device(d.serial)
		if err != nil {
			continue
		}
		if uid, err := UID(g); err == nil && uid == 0 {
			d.g = g.(*device).g
			return nil
		}
	}
	return fmt.Errorf("adb root: device %s did not come back as root within %s", d.serial, timeout)
}

// withTimeout bounds sh's commands by timeout when sh is a device (whose
// commands a context can end); other Shellers are returned as they are.
func withTimeout(sh Sheller, timeout time.Duration) (Sheller, context.CancelFunc) {
	d, ok := sh.(*device)
	if !ok {
		return sh, func() {}
	}
	ctx, cancel := context.WithTimeout(d.context(), timeout)
	c := *d
	c.ctx = ctx
	return &c, cancel
}

// parentDone: the context sh was given (Ctrl-C) has ended.
func parentDone(sh Sheller) bool {
	d, ok := sh.(*device)
	return ok && d.context().Err() != nil
}
