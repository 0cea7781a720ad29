package android

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/internal/meta"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/spool"
)

// KillOptions is what `tcpsnitch -k` needs.
type KillOptions struct {
	Query            string // package name, or a part of one
	HostDir          string // -d, used only when -a left no session
	Version, GitHash string // of this tcpsnitch, for meta/
	Log              io.Writer
}

// KillResult says what was brought home.
type KillResult struct {
	Session   *Session // NoUpload/Prompt as given to -a
	HostDir   string
	Processes int // process directories in the trace
	Files     int
	Bytes     int64
}

// NoSessionError: -k without a prior -a.
type NoSessionError struct{ Package, Serial string }

func (e *NoSessionError) Error() string {
	return fmt.Sprintf("no tcpsnitch session for %s on %s: start one with `tcpsnitch -a %s`", e.Package, e.Serial, e.Package)
}

// NoTraceError: the app never ran under the shim between -a and -k.
type NoTraceError struct{ Package string }

func (e *NoTraceError) Error() string {
	return fmt.Sprintf("no trace: %s did not run under tcpsnitch since `tcpsnitch -a` (was it started? it may also have been stopped before the shim loaded); the device was cleaned up", e.Package)
}

// Kill stops the app, pulls its traces and writes meta/, then removes
// everything -a put on the device (library, traces, wrap.<pkg>, the
// debug.tcpsnitch.* properties), so the app's next start is untraced.
// Interrupted (ctx cancelled) before the traces are home, it leaves the
// device's session as it is, so that -k can be run again.
func Kill(ctx context.Context, dev adb.Device, o KillOptions) (*KillResult, error) {
	d := adb.WithContext(ctx, dev)
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	pkg, err := findPackage(d, o.Query)
	if err != nil {
		return nil, err
	}
	s, err := loadSession(d, pkg)
	if err != nil {
		return nil, err
	}
	info, err := adb.Package(d, pkg)
	if err != nil {
		return nil, err
	}
	files, root, err := accessFor(d, pkg, info, logf)
	if err != nil && s != nil {
		return nil, err
	}
	if s == nil {
		// No session: only go on if a trace directory was left behind.
		if files == nil {
			return nil, &NoSessionError{Package: pkg, Serial: d.Serial()}
		}
		if ok, _ := files.exists(appTraceDir(pkg)); !ok {
			return nil, &NoSessionError{Package: pkg, Serial: d.Serial()}
		}
		hostDir, err := runner.TraceDir(o.HostDir, pkg)
		if err != nil {
			return nil, err
		}
		logf("Warning: no session file for %s on %s, but a trace was left there: saving it to %s.", pkg, d.Serial(), hostDir)
		s = &Session{Package: pkg, HostDir: hostDir, TraceDir: appTraceDir(pkg), Lib: appLib(pkg), ABI: info.PrimaryABI}
	}
	if s.WrapProp == "" {
		s.WrapProp = WrapProp(pkg, 99)
	}
	sdkProp, _ := adb.GetProp(d, "ro.build.version.sdk")
	sdk, _ := strconv.Atoi(sdkProp)
	if err := os.MkdirAll(s.HostDir, 0o755); err != nil {
		return nil, fmt.Errorf("host trace directory: %w", err)
	}

	stopApp(d, pkg, files, sdk)
	res := &KillResult{Session: s, HostDir: s.HostDir}
	pullErr := pullTraces(d, s, files, res)
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted: %w (the traces are still on the device: run -k again)", err)
	}
	var metaErr error
	if pullErr == nil && res.Processes > 0 {
		metaErr = writeMeta(d, s, info, o)
	}
	for _, w := range cleanDevice(dev, s, files, root) {
		logf("Warning: cleaning up: %v", w)
	}
	switch {
	case pullErr != nil:
		return res, fmt.Errorf("pulling the traces of %s: %w (the device was cleaned up)", pkg, pullErr)
	case res.Processes == 0:
		return res, &NoTraceError{Package: pkg}
	case metaErr != nil:
		return res, metaErr
	}
	logf("Saved %d files (%d bytes, %d processes) to %s; %s on %s runs untraced again.", res.Files, res.Bytes, res.Processes, s.HostDir, pkg, d.Serial())
	return res, nil
}

// accessFor picks how to reach the app's data dir: run-as for a
// debuggable app, else root (switched on if it is `adb root`).
func accessFor(d adb.Device, pkg string, info adb.PackageInfo, logf func(string, ...any)) (appFiles, adb.Root, error) {
	kind, err := detectRoot(d, logf)
	if err != nil {
		return nil, adb.Root{}, err
	}
	shellUID, err := adb.UID(d)
	if err != nil {
		return nil, adb.Root{}, err
	}
	if kind != adb.RootNone {
		if k, err := adb.EnableRoot(d, kind); err == nil {
			kind = k
		} else {
			kind = adb.RootNone
		}
	}
	root := adb.Root{Kind: kind, Sh: d}
	if info.Debuggable {
		return runAsFiles{sh: d, pkg: pkg}, root, nil
	}
	if kind == adb.RootNone {
		return nil, root, &RootNeededError{Step: "reading and removing the traces in " + appDir(pkg)}
	}
	return rootFiles{root: root, uid: info.UID, shellUID: strconv.Itoa(shellUID)}, root, nil
}

// stopApp asks the app's processes to terminate (SIGTERM lets the shim
// write its last events), waits a little, then force-stops the package.
func stopApp(d adb.Device, pkg string, files appFiles, sdk int) {
	pids, _ := adb.PIDs(d, pkg, sdk)
	if len(pids) > 0 && files != nil {
		list := make([]string, len(pids))
		for i, p := range pids {
			list[i] = strconv.Itoa(p)
		}
		if files.shell("kill -TERM "+strings.Join(list, " ")) == nil {
			for i := 0; i < 30; i++ {
				if left, err := adb.PIDs(d, pkg, sdk); err != nil || len(left) == 0 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	_, _ = adb.Run(d, "am", "force-stop", pkg)
}

// pullTraces copies the device trace directory into the host directory.
func pullTraces(d adb.Device, s *Session, files appFiles, res *KillResult) error {
	if files == nil {
		return nil
	}
	if ok, err := files.exists(s.TraceDir); err != nil || !ok {
		return nil // nothing traced: reported as NoTraceError
	}
	stage := stageDir(s.Package)
	if err := files.stageOut(s.TraceDir, stage); err != nil {
		return err
	}
	defer adb.Run(d, "rm", "-rf", stage)
	stats, err := d.PullDir(stage, s.HostDir)
	if err != nil {
		return err
	}
	res.Files, res.Bytes = stats.Files, stats.Bytes
	entries, err := os.ReadDir(s.HostDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "meta" {
			res.Processes++
			// The shim spools each process's events into one file (far
			// fewer files through adb); the trace format has N.json.
			if _, err := spool.Split(filepath.Join(s.HostDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeMeta(d adb.Device, s *Session, info adb.PackageInfo, o KillOptions) error {
	kernel, _ := adb.KernelRelease(d)
	return meta.Write(s.HostDir, meta.Info{
		App: s.Package, Cmd: s.Package, OS: "android",
		Kernel: strings.TrimSpace(kernel), Machine: s.ABI,
		AppVersion: info.VersionName, Version: o.Version, GitHash: o.GitHash,
		HostID: meta.HostID(), OptB: s.OptB, OptF: s.OptF, OptU: s.OptU,
	})
}

// cleanDevice removes everything a session put on the device. It goes on
// after an error and returns every problem, so one failing step does not
// leave the rest behind.
func cleanDevice(d adb.Device, s *Session, files appFiles, root adb.Root) []error {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if files != nil {
		keep(files.remove(s.TraceDir, s.Lib))
	}
	_, err := adb.Run(d, "rm", "-rf", stagedLib(s.Package), stageDir(s.Package))
	keep(err)
	if v, err := adb.GetProp(d, s.WrapProp); err != nil {
		keep(err)
	} else if v != "" {
		if root.Kind == adb.RootNone {
			keep(&RootNeededError{Step: "clearing " + s.WrapProp})
		} else {
			keep(root.SetProp(s.WrapProp, ""))
		}
	}
	keep(clearOptionProps(d))
	if s.Permissive && root.Kind != adb.RootNone {
		_, err := adb.Run(root, "setenforce", "1")
		keep(err)
	}
	_, err = adb.Run(d, "rm", "-f", sessionPath(s.Package))
	keep(err)
	return errs
}

// IsNoSession reports whether err means -k found nothing to finish.
func IsNoSession(err error) bool {
	var e *NoSessionError
	return errors.As(err, &e)
}
