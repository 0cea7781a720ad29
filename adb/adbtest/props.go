package adbtest

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

var androidRelease = map[int]string{21: "5.0", 22: "5.1", 23: "6.0", 24: "7.0", 25: "7.1.1",
	26: "8.0.0", 27: "8.1.0", 28: "9", 29: "10", 30: "11", 31: "12", 32: "12", 33: "13", 34: "14", 35: "15", 36: "16"}

// propValueMax is PROP_VALUE_MAX: values hold at most 91 bytes.
const propValueMax = 92

func (d *Device) initProps() {
	c := d.cfg
	var abi64, abi32 []string
	for _, a := range c.ABIs {
		if strings.Contains(a, "64") {
			abi64 = append(abi64, a)
		} else {
			abi32 = append(abi32, a)
		}
	}
	buildType, debuggable := "user", "0"
	if c.Root == RootAdb || c.Root == RootSu0 {
		buildType, debuggable = "userdebug", "1"
	}
	release := androidRelease[c.SDK]
	if release == "" {
		release = fmt.Sprint(c.SDK)
	}
	p := map[string]string{
		"ro.build.version.sdk":     fmt.Sprint(c.SDK),
		"ro.build.version.release": release,
		"ro.build.type":            buildType,
		"ro.debuggable":            debuggable,
		"ro.secure":                "1",
		"ro.adb.secure":            "1",
		"ro.product.model":         c.Model,
		"ro.product.name":          c.Product,
		"ro.product.device":        c.Device,
		"ro.product.brand":         "tcpsnitch",
		"ro.product.manufacturer":  "tcpsnitch",
		"ro.product.cpu.abi":       c.ABIs[0],
		"ro.product.cpu.abilist":   strings.Join(c.ABIs, ","),
		"ro.product.cpu.abilist64": strings.Join(abi64, ","),
		"ro.product.cpu.abilist32": strings.Join(abi32, ","),
		"ro.build.fingerprint":     fmt.Sprintf("tcpsnitch/%s/%s:%s/SIM/1:%s/test-keys", c.Product, c.Device, release, buildType),
		"ro.serialno":              "SIM" + fmt.Sprint(os.Getpid()),
		"sys.boot_completed":       "1",
		"init.svc.adbd":            "running",
		"service.adb.root":         "0",
	}
	if c.NativeBridge != "" {
		p["ro.dalvik.vm.native.bridge"] = c.NativeBridge
		p["ro.enable.native.bridge.exec"] = "1"
	}
	for k, v := range c.Props {
		p[k] = v
	}
	d.props = p
	d.saveProps()
}

// saveProps rewrites the store the shim reads ($TCPSNITCH_SIM_PROPS): one
// name=value per line, replaced atomically. Called with d.mu held or before
// the device is shared.
func (d *Device) saveProps() {
	var b strings.Builder
	for _, k := range sortedKeys(d.props) {
		fmt.Fprintf(&b, "%s=%s\n", k, d.props[k])
	}
	tmp := d.Path(propsFile) + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err == nil {
		os.Chmod(tmp, 0o644)
		os.Rename(tmp, d.Path(propsFile))
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Prop is a system property ("" when unset).
func (d *Device) Prop(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.props[name]
}

// SetProp sets a property with the rights of init (no checks), for tests.
func (d *Device) SetProp(name, value string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.props[name] = value
	d.saveProps()
}

// mayUserSetProp is the SELinux property policy the simulation applies to
// setprop: root sets anything (ro.* once); the shell user only debug.*,
// log.* and persist.debug.*, plus wrap.* when SELinux is permissive; apps
// nothing.
func (d *Device) mayUserSetProp(uid int, name string) bool {
	if strings.HasPrefix(name, "ro.") {
		_, set := d.props[name]
		return uid == 0 && !set
	}
	if uid == 0 {
		return true
	}
	if uid != uidShell {
		return false
	}
	for _, prefix := range []string{"debug.", "log.", "persist.debug.", "persist.log."} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return strings.HasPrefix(name, "wrap.") && !d.enforcing
}

// wrapPropName is the property zygote reads for a process: before API 26 it
// truncated "wrap.<name>" to 31 characters, or 30 when the 31st is a '.'.
func wrapPropName(process string, sdk int) string {
	name := "wrap." + process
	if sdk < 26 && len(name) > 31 {
		if name[30] != '.' {
			name = name[:31]
		} else {
			name = name[:30]
		}
	}
	return name
}
