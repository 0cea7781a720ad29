package adb

import (
	"fmt"
	"strings"
)

// Device states as the adb server reports them.
const (
	StateDevice       = "device"
	StateUnauthorized = "unauthorized"
	StateOffline      = "offline"
)

// DeviceInfo describes one attached device. Only Serial and State (and,
// for an online device, Model/Product from the server) are always set; the
// rest is read from an online device's properties.
type DeviceInfo struct {
	Serial  string
	State   string // device, unauthorized, offline, or what the server says
	Model   string
	Product string
	SDK     string   // ro.build.version.sdk, e.g. "34"
	Release string   // ro.build.version.release, e.g. "14"
	ABIs    []string // ro.product.cpu.abilist, most preferred first
	// What is known about root without running su (on Magisk every su
	// shows a toast, and the first one asks the user): RootAdbd when
	// adbd runs as root, else RootNone; SuInstalled when an su is on the
	// shell's PATH; AdbRootable on userdebug/eng builds, where `adb root`
	// works. DetectRoot tells which su works, when root is needed.
	Root        RootKind
	SuInstalled bool
	AdbRootable bool
	// Err is why the properties of an online device could not be read.
	Err error
}

// Online reports whether the device accepts commands.
func (d DeviceInfo) Online() bool { return d.State == StateDevice }

// Advice says what to do about a device that is not usable, or "".
func (d DeviceInfo) Advice() string { return stateAdvice(d.State) }

func stateAdvice(state string) string {
	switch {
	case state == StateDevice:
		return ""
	case state == StateUnauthorized:
		return "unlock the phone and accept the \"Allow USB debugging?\" prompt (tick \"Always allow\"), then retry"
	case state == StateOffline:
		return "reconnect the cable (or `adb reconnect`), check the phone's screen, then retry"
	case strings.HasPrefix(state, "no permissions"):
		return "the USB device is not accessible: add a udev rule for it (Debian: apt install android-sdk-platform-tools-common) and replug"
	default:
		return "wait until the device has finished booting or connecting, then retry"
	}
}

// StateError is a device that is attached but not usable.
type StateError struct{ Serial, State string }

func (e *StateError) Error() string {
	return fmt.Sprintf("device %s is %s: %s", e.Serial, e.State, stateAdvice(e.State))
}

// listEntry is one line of `host:devices-l`.
type listEntry struct {
	serial, state string
	attrs         map[string]string
}

// parseDevicesL reads `host:devices-l` output, e.g.
//
//	emulator-5554  device product:sdk model:Pixel_7 device:emu transport_id:1
//	R58M123        unauthorized usb:1-1 transport_id:2
//	0123           no permissions (missing udev rules?); see [http://…] usb:1-2 transport_id:3
//
// The state may contain spaces; the key:value attributes follow it.
func parseDevicesL(out string) []listEntry {
	var list []listEntry
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		e := listEntry{serial: f[0], attrs: map[string]string{}}
		end := len(f)
		for end > 2 && isAttr(f[end-1]) {
			k, v, _ := strings.Cut(f[end-1], ":")
			e.attrs[k] = v
			end--
		}
		e.state = strings.Join(f[1:end], " ")
		list = append(list, e)
	}
	return list
}

func isAttr(tok string) bool {
	k, _, ok := strings.Cut(tok, ":")
	if !ok {
		return false
	}
	switch k {
	case "product", "model", "device", "usb", "transport_id", "features":
		return true
	}
	return false
}

// states maps each attached serial to its state.
func (c *Client) states() (map[string]string, error) {
	out, err := hostQuery(c.addr, "host:devices-l")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, e := range parseDevicesL(out) {
		m[e.serial] = e.state
	}
	return m, nil
}

// Devices lists every attached device; online ones are queried for their
// Android version, ABIs and what is known about root without running su
// (without side effects on the phone: no prompt, no toast).
func (c *Client) Devices() ([]DeviceInfo, error) {
	out, err := hostQuery(c.addr, "host:devices-l")
	if err != nil {
		return nil, err
	}
	var infos []DeviceInfo
	for _, e := range parseDevicesL(out) {
		info := DeviceInfo{Serial: e.serial, State: e.state,
			Model: e.attrs["model"], Product: e.attrs["product"]}
		if info.Online() {
			if d, err := c.Device(e.serial); err != nil {
				info.Err = err
			} else {
				info.Err = describe(d, &info)
			}
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// describe fills the property-based fields of info from the device.
func describe(d Device, info *DeviceInfo) error {
	props, err := GetProps(d, "ro.build.version.sdk", "ro.build.version.release",
		"ro.product.cpu.abilist", "ro.product.cpu.abi", "ro.product.model", "ro.debuggable", "ro.build.type")
	if err != nil {
		return err
	}
	info.SDK = props["ro.build.version.sdk"]
	info.Release = props["ro.build.version.release"]
	info.ABIs = ABIList(props["ro.product.cpu.abilist"], props["ro.product.cpu.abi"])
	if info.Model == "" {
		info.Model = props["ro.product.model"]
	}
	info.AdbRootable = props["ro.debuggable"] == "1" && props["ro.build.type"] != "user"
	uid, err := UID(d)
	if err != nil {
		return err
	}
	if uid == 0 {
		info.Root = RootAdbd
	}
	// `command -v` looks su up without running it.
	r, err := d.ShellLine("command -v su")
	if err != nil {
		return err
	}
	info.SuInstalled = r.Status == 0 && strings.TrimSpace(r.Output) != ""
	return nil
}

// ABIList splits ro.product.cpu.abilist; devices before Android 5 only
// have ro.product.cpu.abi.
func ABIList(abilist, abi string) []string {
	var out []string
	for _, a := range strings.Split(abilist, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 && strings.TrimSpace(abi) != "" {
		out = []string{strings.TrimSpace(abi)}
	}
	return out
}
