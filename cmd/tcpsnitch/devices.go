package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/internal/android"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
)

const devicesLong = `List the Android devices the adb server sees: serial, state, model,
Android version, ABIs, and how root is available (adb root, su -c, su 0).
Devices that are unauthorized or offline are listed with what to do.

su is never run to make the list (Magisk shows a toast for every su, and
asks on the phone the first time): ROOT shows what -a or -k found on the
device in the last hour, else "su (untried)" when an su is installed.

tcpsnitch talks to the adb server (port 5037, or $ANDROID_ADB_SERVER_PORT)
and starts it with "adb start-server" when it is not running.`

func newDevicesCmd(streams *cliio.Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List attached Android devices",
		Long:  devicesLong,
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return runDevices(streams) },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "use <serial>",
		Short: "Make a device the default for -a and -k (saved in the config file)",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("usage: tcpsnitch devices use <serial> (see tcpsnitch devices)")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return runDevicesUse(streams, args[0]) },
	})
	return cmd
}

func runDevices(streams *cliio.Streams) error {
	client, err := newADBClient(streams)
	if err != nil {
		return err
	}
	devs, err := client.Devices()
	if err != nil {
		return err
	}
	if len(devs) == 0 {
		fmt.Fprintln(streams.ErrOut, "No Android device attached: connect one by USB with USB debugging on (or `adb connect <host>:<port>`).")
		return nil
	}
	def := ""
	if cfg, err := config.Load(); err == nil {
		def = cfg.Device
	}
	printDevices(streams, devs, def)
	return nil
}

// printDevices writes the table, then one line of advice per device that
// cannot be used.
func printDevices(streams *cliio.Streams, devs []adb.DeviceInfo, def string) {
	w := tabwriter.NewWriter(streams.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "SERIAL\tSTATE\tMODEL\tANDROID\tABIS\tROOT")
	for _, d := range devs {
		serial := d.Serial
		if serial == def {
			serial += " *"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", serial, d.State, dash(d.Model), androidVersion(d), dash(strings.Join(d.ABIs, ",")), rootColumn(d))
	}
	w.Flush()
	if def != "" {
		fmt.Fprintf(streams.Out, "* default device (tcpsnitch devices use)\n")
	}
	for _, d := range devs {
		if d.Online() && d.Err == nil && rootColumn(d) == suUntried {
			fmt.Fprintf(streams.Out, "%s: su is not run to list devices (Magisk would show a toast, or ask); -a finds out whether it gives root\n", suUntried)
			break
		}
	}
	for _, d := range devs {
		switch {
		case !d.Online():
			fmt.Fprintf(streams.ErrOut, "%s is %s: %s\n", d.Serial, d.State, d.Advice())
		case d.Err != nil:
			fmt.Fprintf(streams.ErrOut, "%s: could not read its properties: %v\n", d.Serial, d.Err)
		}
	}
}

func androidVersion(d adb.DeviceInfo) string {
	switch {
	case d.Release != "" && d.SDK != "":
		return d.Release + " (API " + d.SDK + ")"
	case d.SDK != "":
		return "API " + d.SDK
	}
	return "-"
}

// rootColumn says how root is available without running su on the phone
// (Magisk would show a toast, or ask): adbd's own uid, else the answer -a
// or -k found last (cached for an hour), else what is installed.
func rootColumn(d adb.DeviceInfo) string {
	switch {
	case !d.Online() || d.Err != nil:
		return "-"
	case d.Root == adb.RootAdbd:
		return d.Root.String()
	}
	if kind, ok := android.CachedRoot(d.Serial); ok {
		return kind.String()
	}
	switch {
	case d.SuInstalled:
		return suUntried
	case d.AdbRootable:
		return adb.RootAdbOff.String()
	}
	return adb.RootNone.String()
}

// suUntried: su is installed, and whether it gives root is only known once
// -a or -k has run it.
const suUntried = "su (untried)"

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runDevicesUse saves serial as the default device. It must be attached,
// so that a typo is caught now rather than at the next -a.
func runDevicesUse(streams *cliio.Streams, serial string) error {
	client, err := newADBClient(streams)
	if err != nil {
		return err
	}
	devs, err := client.Devices()
	if err != nil {
		return err
	}
	found := false
	var serials []string
	for _, d := range devs {
		serials = append(serials, d.Serial)
		found = found || d.Serial == serial
	}
	if !found {
		return fmt.Errorf("device %s is not attached (attached: %s); see tcpsnitch devices", serial, dash(strings.Join(serials, ", ")))
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	cfg.Device = serial
	if err := config.Save(cfg); err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "Default device: %s (saved in %s).\n", serial, config.Path())
	return nil
}
