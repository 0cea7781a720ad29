package main

import (
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
)

// ConfigOptions: `tcpsnitch config` has no options of its own.
type ConfigOptions struct {
	Streams *cliio.Streams
}

func newConfigCmd(streams *cliio.Streams) *cobra.Command {
	opts := &ConfigOptions{Streams: streams}
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective settings and where each comes from",
		Long: "Print the effective settings (upload server, Android device, default options)\n" +
			"and their source: environment, config file (" + config.Path() + ") or built-in default.\n" +
			"Flags given on a command line override all of these.",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error { return runConfig(opts) },
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
	w := tabwriter.NewWriter(opts.Streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "config file\t%s\t(%s)\n", path, state)
	fmt.Fprintf(w, "server\t%s\n", sourced(os.Getenv("TCPSNITCH_SERVER"), "TCPSNITCH_SERVER", cfg.Server, "(none: traces are not uploaded)"))
	fmt.Fprintf(w, "device\t%s\n", sourced(os.Getenv("ANDROID_SERIAL"), "ANDROID_SERIAL", cfg.Device, "(none: the only connected device)"))
	for _, opt := range intOptions {
		value, source := strconv.Itoa(opt.def), "default"
		if v := opt.config(&cfg.Defaults); v != nil {
			if err := opt.check(*v); err != nil {
				return fmt.Errorf("config file %s: defaults: %s %w", path, opt.long, err)
			}
			value, source = strconv.Itoa(*v), "config file"
		}
		fmt.Fprintf(w, "%s (-%s)\t%s\t(%s)\n", opt.long, opt.short, value, source)
	}
	for _, opt := range boolOptions {
		value, source := "false", "default"
		if v := opt.config(&cfg.Defaults); v != nil {
			value, source = strconv.FormatBool(*v), "config file"
		}
		fmt.Fprintf(w, "%s (-%s)\t%s\t(%s)\n", opt.long, opt.short, value, source)
	}
	return w.Flush()
}

// sourced renders a value with its origin: environment first, then config.
func sourced(env, envName, fromConfig, none string) string {
	switch {
	case env != "":
		return env + "\t(" + envName + ")"
	case fromConfig != "":
		return fromConfig + "\t(config file)"
	}
	return none + "\t"
}
