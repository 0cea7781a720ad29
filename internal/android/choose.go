package android

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// Choice holds the ways a user names a device, strongest first.
type Choice struct {
	Flag   string // -s <serial>
	Env    string // $ANDROID_SERIAL
	Config string // `tcpsnitch devices use <serial>`
}

// Prompt asks the user to pick one of several devices and returns its
// serial; nil when stdin/stderr are not a terminal.
type Prompt func(devs []adb.DeviceInfo) (string, error)

// ChooseDevice picks the device to work on: -s, else $ANDROID_SERIAL, else
// the configured default when it is attached, else the only device; with
// several and none named, it asks (prompt) or fails listing them. The
// chosen device must be online.
func ChooseDevice(devs []adb.DeviceInfo, c Choice, prompt Prompt) (adb.DeviceInfo, error) {
	named := func(serial, source string) (adb.DeviceInfo, error) {
		for _, d := range devs {
			if d.Serial == serial {
				return usable(d)
			}
		}
		return adb.DeviceInfo{}, fmt.Errorf("device %s (%s) is not attached; attached: %s", serial, source, listSerials(devs))
	}
	switch {
	case c.Flag != "":
		return named(c.Flag, "from -s")
	case c.Env != "":
		return named(c.Env, "from $ANDROID_SERIAL")
	}
	if c.Config != "" {
		for _, d := range devs {
			if d.Serial == c.Config {
				return usable(d)
			}
		}
	}
	switch len(devs) {
	case 0:
		return adb.DeviceInfo{}, fmt.Errorf("no Android device attached: connect one by USB with USB debugging on (or `adb connect <host>:<port>`), then check with `tcpsnitch devices`")
	case 1:
		return usable(devs[0])
	}
	if prompt == nil {
		return adb.DeviceInfo{}, fmt.Errorf("several devices attached (%s): choose one with -s <serial>, $ANDROID_SERIAL, or `tcpsnitch devices use <serial>`", listSerials(devs))
	}
	serial, err := prompt(devs)
	if err != nil {
		return adb.DeviceInfo{}, err
	}
	return named(serial, "chosen")
}

func usable(d adb.DeviceInfo) (adb.DeviceInfo, error) {
	if !d.Online() {
		return d, &adb.StateError{Serial: d.Serial, State: d.State}
	}
	return d, nil
}

func listSerials(devs []adb.DeviceInfo) string {
	if len(devs) == 0 {
		return "none"
	}
	s := make([]string, len(devs))
	for i, d := range devs {
		s[i] = d.Serial
		if !d.Online() {
			s[i] += " (" + d.State + ")"
		}
	}
	return strings.Join(s, ", ")
}

// TerminalPrompt numbers the devices on out and reads the user's pick from
// in. Cancelling ctx (Ctrl-C) ends the wait; the read itself is left to
// finish in the background.
func TerminalPrompt(ctx context.Context, in io.Reader, out io.Writer) Prompt {
	return func(devs []adb.DeviceInfo) (string, error) {
		fmt.Fprintln(out, "Several devices are attached:")
		for i, d := range devs {
			fmt.Fprintf(out, "  %d) %-22s %-12s %s\n", i+1, d.Serial, d.State, d.Model)
		}
		fmt.Fprintf(out, "Which one (1-%d)? ", len(devs))
		type answer struct {
			line string
			err  error
		}
		ch := make(chan answer, 1)
		go func() {
			line, err := bufio.NewReader(in).ReadString('\n')
			ch <- answer{line, err}
		}()
		var a answer
		select {
		case <-ctx.Done():
			fmt.Fprintln(out)
			return "", fmt.Errorf("no device chosen: interrupted: %w", ctx.Err())
		case a = <-ch:
		}
		line := strings.TrimSpace(a.line)
		if line == "" && a.err != nil {
			return "", fmt.Errorf("no device chosen (use -s <serial>)")
		}
		if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(devs) {
			return devs[n-1].Serial, nil
		}
		for _, d := range devs {
			if d.Serial == line {
				return line, nil
			}
		}
		return "", fmt.Errorf("%q is not one of the devices listed (use -s <serial>)", line)
	}
}
