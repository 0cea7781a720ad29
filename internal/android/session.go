package android

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// Session is what -a leaves on the device for -k: where things were put and
// what the user asked for. It lives in /data/local/tmp (the shell user's
// own directory), so -k finds it from any host.
type Session struct {
	Package    string    `json:"package"`
	HostDir    string    `json:"host_dir"`  // host trace directory
	NoUpload   bool      `json:"no_upload"` // -n
	Prompt     bool      `json:"prompt"`    // -p
	ABI        string    `json:"abi"`       // the app process's ABI
	Lib        string    `json:"lib"`       // the shim inside the app's data dir
	TraceDir   string    `json:"trace_dir"` // the shim's -d on the device
	WrapProp   string    `json:"wrap_prop"`
	Access     string    `json:"access"`     // how files in the app dir are reached: "root" or "run-as"
	Root       string    `json:"root"`       // root variant used for wrap.<pkg>
	Permissive bool      `json:"permissive"` // SELinux was set permissive by -a (--allow-permissive)
	OptB       string    `json:"opt_b"`
	OptF       string    `json:"opt_f"`
	OptU       string    `json:"opt_u"`
	Started    time.Time `json:"started"`
}

// Device paths of one package's session.
func sessionPath(pkg string) string { return "/data/local/tmp/tcpsnitch-" + pkg + ".session" }
func stagedLib(pkg string) string   { return "/data/local/tmp/tcpsnitch-" + pkg + ".so" }
func stageDir(pkg string) string    { return "/data/local/tmp/tcpsnitch-" + pkg + ".pull" }
func appDir(pkg string) string      { return "/data/data/" + pkg }
func appLib(pkg string) string      { return appDir(pkg) + "/libtcpsnitch.so" }
func appTraceDir(pkg string) string { return appDir(pkg) + "/tcpsnitch" }

func saveSession(d adb.Device, s *Session) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if err := d.Push(bytes.NewReader(data), int64(len(data)), sessionPath(s.Package), 0o644); err != nil {
		return fmt.Errorf("recording the session on the device: %w", err)
	}
	return nil
}

// loadSession returns the package's session, or nil when there is none.
func loadSession(d adb.Device, pkg string) (*Session, error) {
	data, err := d.ReadFile(sessionPath(pkg))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the session file: %w", err)
	}
	var s Session
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("session file %s on the device is damaged: %v", sessionPath(pkg), err)
	}
	return &s, nil
}

// otherSessions lists packages that have a session on the device, except pkg.
func otherSessions(d adb.Device, pkg string) ([]string, error) {
	out, err := adb.RunLine(d, "for f in /data/local/tmp/tcpsnitch-*.session; do [ -f \"$f\" ] && echo \"$f\"; done; true")
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for _, line := range bytes.Fields([]byte(out)) {
		p := string(line)
		p = p[len("/data/local/tmp/tcpsnitch-") : len(p)-len(".session")]
		if p != pkg {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}
