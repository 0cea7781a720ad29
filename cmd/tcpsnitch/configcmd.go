package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
)

// ConfigOptions: `tcpsnitch config` has no options of its own; the root's
// settings flags (-b, --server, …) given with it show as their source.
type ConfigOptions struct {
	Streams *cliio.Streams
	Root    *RootOptions   // the flag values
	Flags   *pflag.FlagSet // which flags were given
}

func newConfigCmd(streams *cliio.Streams, root *RootOptions) *cobra.Command {
	opts := &ConfigOptions{Streams: streams, Root: root}
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each comes from",
		Long: "Print the effective settings (upload server, Android device, default options)\n" +
			"and their source: flag, environment, config file (" + config.Path() + ") or built-in default.\n" +
			"Flags given before or after `config` (tcpsnitch -b 10 config) show as the source.",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Flags = c.Flags()
			return runConfig(opts)
		},
	}
}

func runConfig(opts *ConfigOptions) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	path := config.Path()
	state := "found"
	if _, err := os.Stat(path); err != nil {
		state = "not found: built-in defaults apply"
	}
	changed := func(name string) bool { return opts.Flags != nil && opts.Flags.Changed(name) }
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "config file\t%s\t(%s)\n", path, state)
	fmt.Fprintf(w, "server\t%s\n", sourced(changed("server"), opts.Root.Server, "--server",
		os.Getenv("TCPSNITCH_SERVER"), "TCPSNITCH_SERVER", cfg.Server, "(none: traces are not uploaded)"))
	fmt.Fprintf(w, "device\t%s\n", sourced(changed("serial"), opts.Root.Serial, "-s",
		os.Getenv("ANDROID_SERIAL"), "ANDROID_SERIAL", cfg.Device, "(none: the only connected device)"))
	for _, opt := range intOptions {
		value, source := strconv.Itoa(opt.def), "default"
		if v := opt.config(&cfg.Defaults); v != nil {
			if err := opt.check(*v); err != nil {
				return fmt.Errorf("config file %s: defaults: %s %w", path, opt.long, err)
			}
			value, source = strconv.Itoa(*v), "config file"
		}
		if changed(opt.long) {
			value, source = strconv.Itoa(*opt.field(&opts.Root.Shim)), "flag"
		}
		fmt.Fprintf(w, "%s (-%s)\t%s\t(%s)\n", opt.long, opt.short, value, source)
	}
	for _, opt := range boolOptions {
		value, source := "false", "default"
		if v := opt.config(&cfg.Defaults); v != nil {
			value, source = strconv.FormatBool(*v), "config file"
		}
		if changed(opt.long) {
			value, source = strconv.FormatBool(*opt.field(opts.Root)), "flag"
		}
		fmt.Fprintf(w, "%s (-%s)\t%s\t(%s)\n", opt.long, opt.short, value, source)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// tabwriter pads the cells of a short row: no trailing spaces.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			fmt.Fprint(opts.Streams.Out, strings.TrimRight(line, " \n")+"\n")
		}
	}
	return nil
}

// sourced renders a value with its origin: flag, environment, config.
func sourced(flagged bool, flagValue, flagName, env, envName, fromConfig, none string) string {
	switch {
	case flagged:
		return flagValue + "\t(" + flagName + " flag)"
	case env != "":
		return env + "\t(" + envName + ")"
	case fromConfig != "":
		return fromConfig + "\t(config file)"
	}
	return none
}
