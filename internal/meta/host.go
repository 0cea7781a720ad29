package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strings"

	"golang.org/x/sys/unix"
)

// Host fills the facts that describe this Linux machine: kernel, machine,
// os, net and host_id.
func Host(info *Info) {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		info.Kernel = unix.ByteSliceToString(u.Release[:])
		info.Machine = unix.ByteSliceToString(u.Machine[:])
		info.OS = unix.ByteSliceToString(u.Sysname[:])
	}
	info.Net = NetSysctl("/proc/sys/net")
	info.HostID = HostID()
}

// HostID is an anonymous, stable id of the machine: the sha256 of its
// Ethernet-style MAC addresses, one per line in interface order (the
// original hashed `ip link | grep link/ether` the same way).
func HostID() string {
	var b strings.Builder
	ifaces, _ := net.Interfaces()
	for _, iface := range ifaces {
		mac := iface.HardwareAddr
		if len(mac) != 6 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		b.WriteString(mac.String())
		b.WriteByte('\n')
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
