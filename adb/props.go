package adb

import (
	"fmt"
	"strings"
)

// PropValueMax is the longest value a system property can hold (bionic's
// PROP_VALUE_MAX is 92, including the terminating NUL).
const PropValueMax = 91

// GetProp reads one system property ("" when unset).
func GetProp(sh Sheller, name string) (string, error) {
	out, err := Run(sh, "getprop", name)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(out, "\r\n"), nil
}

// GetProps reads several properties in one round trip, from the listing
// `getprop` prints without arguments: `[name]: [value]` lines.
func GetProps(sh Sheller, names ...string) (map[string]string, error) {
	all, err := ListProps(sh, "")
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = all[n]
	}
	return m, nil
}

// ListProps returns every property whose name starts with prefix.
func ListProps(sh Sheller, prefix string) (map[string]string, error) {
	out, err := Run(sh, "getprop")
	if err != nil {
		return nil, err
	}
	return parsePropList(out, prefix), nil
}

func parsePropList(out, prefix string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
			continue
		}
		name, value, ok := strings.Cut(line[1:len(line)-1], "]: [")
		if ok && strings.HasPrefix(name, prefix) {
			m[name] = value
		}
	}
	return m
}

// SetProp sets a property and reads it back: setprop's exit status is not
// reliable on old Android versions, and a refused write (SELinux) must not
// pass silently. An empty value clears the property.
func SetProp(sh Sheller, name, value string) error {
	return setPropWith(sh, func(cmdline string) (Result, error) { return sh.ShellLine(cmdline) }, name, value)
}

// setPropWith runs setprop through run (e.g. as root) and checks the result
// with a plain getprop.
func setPropWith(sh Sheller, run func(string) (Result, error), name, value string) error {
	if len(value) > PropValueMax {
		return fmt.Errorf("property %s: value is %d bytes, the limit is %d: %q", name, len(value), PropValueMax, value)
	}
	r, err := run(Join("setprop", name, value))
	if err != nil {
		return err
	}
	got, gerr := GetProp(sh, name)
	if gerr != nil {
		return gerr
	}
	if r.Status != 0 || got != value {
		msg := strings.TrimSpace(r.Output)
		if msg == "" {
			msg = fmt.Sprintf("the value read back is %q", got)
		}
		return &PropError{Name: name, Value: value, Reason: lastLine(msg)}
	}
	return nil
}

// PropError is a property the device refused to set.
type PropError struct{ Name, Value, Reason string }

func (e *PropError) Error() string {
	return fmt.Sprintf("the device refused `setprop %s %s`: %s", e.Name, Quote(e.Value), e.Reason)
}
