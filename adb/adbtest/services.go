package adbtest

import (
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// service returns the handler of an OPEN request, or nil for an unknown
// service (answered with CLSE).
func (d *Device) service(name string) func(*stream) {
	switch {
	case strings.HasPrefix(name, "shell:"):
		return func(s *stream) { d.shell(s, strings.TrimPrefix(name, "shell:")) }
	case strings.HasPrefix(name, "exec:"):
		return func(s *stream) { d.shell(s, strings.TrimPrefix(name, "exec:")) }
	case name == "sync:":
		return d.sync
	case name == "root:":
		return d.rootService
	case name == "unroot:":
		return d.unrootService
	}
	return nil
}

func (d *Device) adbdUID() int {
	if d.IsAdbRoot() {
		return 0
	}
	return uidShell
}

// shell runs the legacy shell service: `sh -c <cmd>` (or an interactive sh)
// with stdout and stderr merged into the stream, no exit status; the stream
// is closed when the output ends. Host data goes to stdin, which never sees
// EOF (the host has no half-close); a host CLSE kills the process group.
func (d *Device) shell(s *stream, command string) {
	uid := d.adbdUID()
	argv := []string{"/system/bin/sh"}
	if command != "" {
		argv = append(argv, "-c", command)
	}
	cmd := d.command(uid, "/", d.baseEnv(uid), argv...)
	outR, outW, err := os.Pipe()
	if err != nil {
		s.Close()
		return
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		s.Close()
		return
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, outW
	err = cmd.Start()
	outW.Close()
	inR.Close()
	if err != nil {
		io.WriteString(s, "/system/bin/sh: "+err.Error()+"\n")
		outR.Close()
		inW.Close()
		s.Close()
		return
	}
	d.trackChild(cmd, true)
	defer d.trackChild(cmd, false)
	go func() {
		io.Copy(inW, s)
		inW.Close()
	}()
	go func() {
		<-s.Done()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	copyOut(s, outR)
	outR.Close()
	cmd.Wait()
	s.Close()
}

// copyOut sends what a pipe delivers, one WRTE per read.
func copyOut(s *stream, r io.Reader) {
	buf := make([]byte, 256*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// sync runs the in-device sync server as adbd's uid (shell, or root after
// `adb root`), so file permissions are checked by the kernel.
func (d *Device) sync(s *stream) {
	uid := d.adbdUID()
	cmd := d.command(uid, "/", d.baseEnv(uid), "/system/bin/simctl", "sync-server")
	outR, outW, err := os.Pipe()
	if err != nil {
		s.Close()
		return
	}
	// A 1 MiB pipe lets the last DATA and DONE of a file reach us together.
	syscall.Syscall(syscall.SYS_FCNTL, outR.Fd(), 1031 /* F_SETPIPE_SZ */, 1<<20)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		s.Close()
		return
	}
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = outW, &stderr
	err = cmd.Start()
	outW.Close()
	if err != nil {
		outR.Close()
		s.Close()
		return
	}
	d.trackChild(cmd, true)
	defer d.trackChild(cmd, false)
	go func() {
		io.Copy(stdin, s)
		stdin.Close()
	}()
	copyOut(s, outR)
	outR.Close()
	cmd.Wait()
	if stderr.Len() > 0 {
		d.logf("sync-server: %s", stderr.String())
	}
	s.Close()
}

// rootService answers `adb root` per the device's build: user builds refuse, a
// userdebug build restarts adbd as root — the stream answers, then the
// transport drops and the adb server reconnects by itself.
func (d *Device) rootService(s *stream) {
	if d.cfg.Root != RootAdb {
		io.WriteString(s, "adbd cannot run as root in production builds\n")
		s.Close()
		return
	}
	if d.IsAdbRoot() {
		io.WriteString(s, "adbd is already running as root\n")
		s.Close()
		return
	}
	io.WriteString(s, "restarting adbd as root\n")
	s.Close()
	d.restartAdbd(true)
}

func (d *Device) unrootService(s *stream) {
	if !d.IsAdbRoot() {
		io.WriteString(s, "adbd not running as root\n")
		s.Close()
		return
	}
	io.WriteString(s, "restarting adbd as non root\n")
	s.Close()
	d.restartAdbd(false)
}

func (d *Device) restartAdbd(asRoot bool) {
	time.Sleep(50 * time.Millisecond) // let the answer reach the host first
	d.mu.Lock()
	d.adbRoot = asRoot
	if asRoot {
		d.props["service.adb.root"] = "1"
	} else {
		d.props["service.adb.root"] = "0"
	}
	d.saveProps()
	var conns []*conn
	for c := range d.conns {
		conns = append(conns, c)
	}
	d.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
}
