package adbtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/simproto"
)

// call is one Android command run by the broker for a process in the device.
type call struct {
	d        *Device
	uid, pid int // the caller, from SO_PEERCRED
	name     string
	args     []string
	cwd      string
	env      []string
	stdio    []*os.File // the caller's stdin, stdout, stderr (nil for internal requests)
	out, err io.Writer
	reply    string // Value of the reply, for internal requests
}

func (c *call) printf(format string, a ...any)  { fmt.Fprintf(c.out, format, a...) }
func (c *call) eprintf(format string, a ...any) { fmt.Fprintf(c.err, format, a...) }

// startBroker listens on an abstract unix socket whose name the device's
// helper reads from simproto.SocketNameFile.
func (d *Device) startBroker() error {
	token := make([]byte, 8)
	rand.Read(token)
	name := "tcpsnitch-adbtest-" + hex.EncodeToString(token)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: "@" + name, Net: "unix"})
	if err != nil {
		return fmt.Errorf("broker socket: %v", err)
	}
	d.broker = ln
	if err := os.WriteFile(d.Path(simproto.SocketNameFile), []byte(name+"\n"), 0o644); err != nil {
		return err
	}
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			go d.serveCall(c)
		}
	}()
	return nil
}

func (d *Device) serveCall(conn *net.UnixConn) {
	defer conn.Close()
	buf := make([]byte, 64*1024)
	oob := make([]byte, syscall.CmsgSpace(3*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return
	}
	var files []*os.File
	if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
		for _, m := range msgs {
			if fds, err := syscall.ParseUnixRights(&m); err == nil {
				for _, fd := range fds {
					files = append(files, os.NewFile(uintptr(fd), "caller-fd"))
				}
			}
		}
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	var req simproto.Request
	if err := simproto.Read(io.MultiReader(bytes.NewReader(buf[:n]), conn), &req); err != nil || len(req.Argv) == 0 {
		return
	}
	cred, err := peerCred(conn)
	if err != nil {
		return
	}
	c := &call{d: d, uid: int(cred.Uid), pid: int(cred.Pid), name: req.Argv[0], args: req.Argv[1:],
		cwd: req.Cwd, env: req.Env, out: io.Discard, err: io.Discard}
	if len(files) == 3 {
		c.stdio = files
		c.out, c.err = files[1], files[2]
	}
	exit := d.run(c)
	simproto.Write(conn, simproto.Reply{Exit: exit, Value: c.reply})
}

func peerCred(conn *net.UnixConn) (*syscall.Ucred, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Ucred
	var credErr error
	raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	})
	return cred, credErr
}

// run dispatches a command by the name it was invoked as.
func (d *Device) run(c *call) int {
	if !strings.HasPrefix(c.name, "__") {
		argv := append([]string{c.name}, c.args...)
		d.mu.Lock()
		d.commands = append(d.commands, argv)
		d.mu.Unlock()
		if d.cfg.OnCommand != nil {
			d.cfg.OnCommand(argv)
		}
	}
	switch c.name {
	case "id":
		return c.toolboxID()
	case "start", "stop":
		return c.initCtl()
	case "getprop":
		return c.getprop()
	case "setprop":
		return c.setprop()
	case "pm":
		return c.pm(c.args)
	case "cmd":
		return c.cmd()
	case "dumpsys":
		return c.dumpsys()
	case "am":
		return c.am()
	case "monkey":
		return c.monkey()
	case "pidof":
		return c.pidof()
	case "ps":
		return c.ps()
	case "su":
		if d.cfg.Root == RootSuC {
			return c.magiskSu()
		}
		return c.aospSu()
	case "run-as":
		return c.runAs()
	case "restorecon":
		return c.restorecon()
	case "getenforce":
		return c.getenforce()
	case "setenforce":
		return c.setenforce()
	case "logcat":
		return c.logcat()
	case "__linker":
		return c.linker()
	}
	c.eprintf("%s: inaccessible or not found\n", c.name)
	return 127
}
