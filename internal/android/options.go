package android

import (
	"fmt"
	"strconv"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
)

// The shim's options (runner.ShimOptions, same letters and meaning as on
// Linux, see docs/internals.md) travel on Android as debug.tcpsnitch.*
// properties, which the shell user may set and every app may read.

// PropPrefix starts the name of every shim option property.
const PropPrefix = "debug.tcpsnitch."

// optionProps returns every option property for a trace directory on the device.
// All are set, so values left by an earlier session never leak in.
func optionProps(o runner.ShimOptions, traceDir string) map[string]string {
	return map[string]string{
		PropPrefix + "d": traceDir,
		PropPrefix + "b": strconv.Itoa(o.TCPInfoBytes),
		PropPrefix + "u": strconv.Itoa(o.TCPInfoUsec),
		PropPrefix + "c": boolOpt(o.Capture),
		PropPrefix + "f": strconv.Itoa(o.FileLogLevel),
		PropPrefix + "l": strconv.Itoa(o.StderrLogLevel),
		PropPrefix + "t": strconv.Itoa(o.WritePeriodMs),
		PropPrefix + "v": boolOpt(o.Verbose),
	}
}

func boolOpt(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// setOptionProps sets the option properties (no root needed: debug.*).
func setOptionProps(d adb.Device, props map[string]string) error {
	for _, name := range []string{"d", "b", "u", "c", "f", "l", "t", "v"} {
		if err := adb.SetProp(d, PropPrefix+name, props[PropPrefix+name]); err != nil {
			return fmt.Errorf("setting the shim's options: %w", err)
		}
	}
	return nil
}

// clearOptionProps empties every debug.tcpsnitch.* property.
func clearOptionProps(d adb.Device) error {
	props, err := adb.ListProps(d, PropPrefix)
	if err != nil {
		return err
	}
	var firstErr error
	for name, value := range props {
		if value == "" {
			continue
		}
		if err := adb.SetProp(d, name, ""); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}
