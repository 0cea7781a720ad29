// Command simctl is the helper that runs inside the simulated Android device
// (see package adbtest). It is installed as /system/bin/simctl and linked
// under the names of the Android commands the simulation provides (getprop,
// setprop, pm, am, su, run-as, …): invoked under such a name it forwards the
// command line, its working directory, environment and standard streams to
// the device's broker in the test process, which plays system_server, and
// exits with the status the broker returns.
//
// Two names do work in the device itself:
//   - `simctl sync-server` speaks the device side of the adb `sync:` service
//     on stdin/stdout, as the uid adbd runs as (so the kernel checks file
//     permissions like on a phone);
//   - `app_process --nice-name=<pkg> <program> <args…>` plays zygote's
//     child: it applies the simulated linker's LD_PRELOAD rules, then execs
//     the app's program with argv[0] set to the package name.
//
// It is built statically (CGO_ENABLED=0) so that an LD_PRELOAD meant for the
// app never loads into it.
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/simproto"
)

func main() {
	name := filepath.Base(os.Args[0])
	switch {
	case name == "simctl" && len(os.Args) > 1 && os.Args[1] == "sync-server":
		os.Exit(syncServer(os.Stdin, os.Stdout))
	case name == "app_process":
		os.Exit(appProcess(os.Args[1:]))
	case name == "simctl":
		fmt.Fprintln(os.Stderr, "usage: simctl sync-server, or run it as an Android command name")
		os.Exit(2)
	}
	reply, err := call(append([]string{name}, os.Args[1:]...), true)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	os.Exit(reply.Exit)
}

// call sends a request to the broker, with this process's stdin, stdout and
// stderr when withStdio, and waits for its reply.
func call(argv []string, withStdio bool) (simproto.Reply, error) {
	var reply simproto.Reply
	name, err := os.ReadFile(simproto.SocketNameFile)
	if err != nil {
		return reply, fmt.Errorf("system server unreachable: %v", err)
	}
	addr := &net.UnixAddr{Name: "@" + strings.TrimSpace(string(name)), Net: "unix"}
	conn, err := net.DialUnix("unix", nil, addr)
	if err != nil {
		return reply, fmt.Errorf("system server unreachable: %v", err)
	}
	defer conn.Close()
	cwd, _ := os.Getwd()
	frame, err := simproto.Frame(simproto.Request{Argv: argv, Cwd: cwd, Env: os.Environ()})
	if err != nil {
		return reply, err
	}
	var oob []byte
	if withStdio {
		oob = syscall.UnixRights(0, 1, 2)
	}
	if _, _, err := conn.WriteMsgUnix(frame, oob, nil); err != nil {
		return reply, err
	}
	if err := simproto.Read(conn, &reply); err != nil {
		return reply, fmt.Errorf("system server: %v", err)
	}
	return reply, nil
}
