package adbtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

var (
	simctlOnce sync.Once
	simctlPath string
	simctlErr  error
)

// simctlBinary builds the in-device helper (./simctl) once per test process,
// statically, and caches it under the temporary directory by source hash.
func simctlBinary() (string, error) {
	simctlOnce.Do(func() {
		_, self, _, _ := runtime.Caller(0)
		dir := filepath.Dir(self)
		h := sha256.New()
		for _, sub := range []string{"simctl", "internal/selabel", "internal/simproto"} {
			files, _ := filepath.Glob(filepath.Join(dir, sub, "*.go"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					simctlErr = err
					return
				}
				h.Write(b)
			}
		}
		out := filepath.Join(os.TempDir(), "tcpsnitch-simctl-"+hex.EncodeToString(h.Sum(nil))[:16], "simctl")
		if _, err := os.Stat(out); err == nil {
			simctlPath = out
			return
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			simctlErr = err
			return
		}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		tmp := out + fmt.Sprintf(".%d", os.Getpid())
		cmd := exec.Command(goTool, "build", "-o", tmp, "./simctl")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			simctlErr = fmt.Errorf("building simctl: %v\n%s", err, b)
			return
		}
		simctlErr = os.Rename(tmp, out)
		simctlPath = out
	})
	return simctlPath, simctlErr
}
