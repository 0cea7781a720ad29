package adbtest

import (
	"os"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/tcpsnitch/tcpsnitch/adb/adbtest/internal/selabel"
)

// watchShellData labels files created under /data/local/tmp (by `cp`, `cat
// >`, …) as shell_data_file as soon as they appear, like the type a real file
// inherits from its directory at creation. Without it such a file would have
// no label and, moved into an app's directory, would look like an app file.
// Labelling is asynchronous (inotify), typically within a millisecond.
func (d *Device) watchShellData() error {
	// Non-blocking, so that the runtime poller reads it and Close wakes it.
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC | syscall.IN_NONBLOCK)
	if err != nil {
		return err
	}
	dirs := map[int]string{}
	add := func(hostDir string) {
		if wd, err := syscall.InotifyAddWatch(fd, hostDir, syscall.IN_CREATE|syscall.IN_MOVED_TO); err == nil {
			dirs[wd] = hostDir
		}
	}
	add(d.Path("/data/local/tmp"))
	d.inotify = os.NewFile(uintptr(fd), "inotify")
	go d.labelNewFiles(dirs, add)
	return nil
}

func (d *Device) labelNewFiles(dirs map[int]string, add func(string)) {
	buf := make([]byte, 64*1024)
	for {
		n, err := d.inotify.Read(buf)
		if err != nil || n <= 0 {
			return
		}
		for off := 0; off+syscall.SizeofInotifyEvent <= n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
			off += syscall.SizeofInotifyEvent + int(ev.Len)
			name := string(nameBytes)
			for len(name) > 0 && name[len(name)-1] == 0 {
				name = name[:len(name)-1]
			}
			dir, ok := dirs[int(ev.Wd)]
			if !ok || name == "" {
				continue
			}
			host := filepath.Join(dir, name)
			if ev.Mask&syscall.IN_ISDIR != 0 {
				add(host)
			}
			// A file moved in keeps its label (mv keeps the xattr).
			if ev.Mask&syscall.IN_CREATE != 0 {
				lbl := make([]byte, 256)
				if _, err := syscall.Getxattr(host, selabel.XattrName, lbl); err != nil {
					syscall.Setxattr(host, selabel.XattrName, []byte(selabel.ShellData), 0)
				}
			}
		}
	}
}
