package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/upload"
)

const rootLong = `tcpsnitch runs a program with a small library preloaded into it that
records every libc call the program makes on internet sockets (arguments,
return value, errno, time, thread), one JSON file per socket, optionally with
TCP_INFO samples and a pcap capture per socket. The trace is saved in a
directory and can be uploaded to a collection server.

Flags must come before the command: everything from the command on is
passed to it untouched ("tcpsnitch curl -s x" gives -s to curl).`

const rootExample = `  tcpsnitch curl http://example.com/
  tcpsnitch -n -d ./trace -c curl -s http://127.0.0.1:8000/
  tcpsnitch -a com.example.app          # Android: instrument and launch
  tcpsnitch -k com.example.app          # Android: stop and pull the trace`

// newRootCmd builds the whole command tree.
func newRootCmd(streams *cliio.Streams, signals *runner.Signals) *cobra.Command {
	opts := &RootOptions{Streams: streams, Signals: signals}
	var showVersion bool
	cmd := &cobra.Command{
		Use:           "tcpsnitch [flags] <cmd> [args...]",
		Short:         "Trace how a program uses the TCP/IP stack",
		Long:          rootLong,
		Example:       rootExample,
		Args:          cobra.ArbitraryArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Runs before every command of the tree (no subcommand has its own).
		PersistentPreRunE: func(c *cobra.Command, _ []string) error { return checkSettingsScope(c, showVersion) },
		RunE: func(c *cobra.Command, args []string) error {
			if showVersion {
				return runVersion(streams)
			}
			opts.Args = args
			if err := completeRootOptions(c, opts); err != nil {
				return err
			}
			return runRoot(c.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.SetInterspersed(false)
	// The settings `tcpsnitch config` shows are persistent flags, so that
	// `tcpsnitch -b 10 config` shows the flag as their source.
	pfs := cmd.PersistentFlags()
	addShimFlags(pfs, opts)
	fs.StringVarP(&opts.Shim.VerboseFile, "verbose-file", "o", "", "write the -v lines into `file` instead of stderr (implies -v)")
	fs.StringVar(&opts.VerboseTime, "verbose-time", "none", "timestamp on -v lines, `mode`: none, wall (time of day, like strace -tt) or relative (since the previous line of the process, like strace -r)")
	fs.StringVarP(&opts.Dir, "dir", "d", "", "save the trace in `dir` (created if its parent exists; default: a new directory under $TMPDIR or /tmp)")
	fs.BoolVar(&opts.Force, "force", false, "write into a -d directory that holds other files than a tcpsnitch trace")
	pfs.StringVar(&opts.Server, "server", "", "upload server `url` (default: $TCPSNITCH_SERVER, else the config file's server)")
	fs.DurationVar(&opts.UploadTimeout, "upload-timeout", upload.DefaultTimeout, "give up an upload attempt after this long")
	fs.StringVarP(&opts.AndroidPackage, "android", "a", "", "Android: instrument and launch `package` on the device")
	fs.StringVarP(&opts.KillPackage, "kill", "k", "", "Android: stop `package` and pull its trace")
	pfs.StringVarP(&opts.Serial, "serial", "s", "", "Android: device `serial` (default: $ANDROID_SERIAL, else the config file's device)")
	fs.BoolVar(&opts.AllowPermissive, "allow-permissive", false, "Android: if root alone cannot set wrap.<package>, switch SELinux to permissive")
	fs.BoolVar(&opts.RestartZygote, "restart-zygote", false, "Android 12/12L: let -a restart zygote (the phone's UI) so that the app starts with the shim")
	fs.StringVar(&opts.ShimPath, "shim", "", "use this `libtcpsnitch.so` instead of the one installed with tcpsnitch")
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")

	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%v (see tcpsnitch --help)", err)
	})
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	configCmd := newConfigCmd(streams, opts)
	cmd.AddCommand(newVersionCmd(streams), configCmd, newDevicesCmd(streams))
	cmd.AddCommand(newServeCmd(streams))
	cmd.AddCommand(newReportCmd(streams))
	scopeSettingsHelp(cmd, configCmd)
	return cmd
}

// completeRootOptions merges the config file and environment into opts
// (flags > environment > config file > built-in defaults) and checks that
// the arguments make sense together.
func completeRootOptions(c *cobra.Command, opts *RootOptions) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	opts.Config = cfg
	fs := c.Flags()
	if err := applyConfigDefaults(fs, opts); err != nil {
		return err
	}
	if !fs.Changed("server") {
		opts.Server = firstNonEmpty(os.Getenv("TCPSNITCH_SERVER"), cfg.Server)
	}
	if !fs.Changed("serial") {
		opts.Serial = firstNonEmpty(os.Getenv("ANDROID_SERIAL"), cfg.Device)
	}
	if err := checkServer(fs, opts); err != nil {
		return err
	}
	vt, ok := verboseTimes[opts.VerboseTime]
	if !ok {
		return usageErrorf("invalid argument %q for \"--verbose-time\" flag: must be none, wall or relative", opts.VerboseTime)
	}
	opts.Shim.VerboseTime = vt
	if opts.Shim.VerboseFile != "" {
		opts.Shim.Verbose = true
	}
	android := opts.AndroidPackage != "" || opts.KillPackage != ""
	switch {
	case opts.AndroidPackage != "" && opts.KillPackage != "":
		return usageErrorf("-a and -k cannot be used together: launch with -a, later stop and pull with -k")
	case android && len(opts.Args) > 0:
		return usageErrorf("unexpected argument %q: -a and -k take an Android package, not a command", opts.Args[0])
	case !android && len(opts.Args) == 0:
		return usageErrorf("missing command to trace (usage: tcpsnitch [flags] <cmd> [args...]; see tcpsnitch --help)")
	case !android && opts.Args[0] == "":
		return usageErrorf("the command to trace is an empty string")
	case opts.UploadTimeout <= 0:
		return usageErrorf("invalid argument %q for \"--upload-timeout\" flag: must be positive", opts.UploadTimeout)
	}
	return nil
}

// runRoot dispatches to Android (-a, -k) or to tracing a Linux program.
func runRoot(ctx context.Context, opts *RootOptions) error {
	switch {
	case opts.AndroidPackage != "":
		return runAndroidLaunch(ctx, opts, opts.Streams)
	case opts.KillPackage != "":
		return runAndroidKill(ctx, opts, opts.Streams)
	}
	return runTrace(ctx, opts)
}

var verboseTimes = map[string]runner.VerboseTime{
	"none": runner.VerboseTimeNone, "wall": runner.VerboseTimeWall, "relative": runner.VerboseTimeRelative,
}

// checkServer refuses, before anything runs, an upload server setting that
// is not an http(s) URL, naming where the setting came from.
func checkServer(fs *pflag.FlagSet, opts *RootOptions) error {
	if opts.NoUpload || opts.Server == "" {
		return nil
	}
	err := upload.CheckServer(opts.Server)
	if err == nil {
		return nil
	}
	switch {
	case fs.Changed("server"):
		return usageErrorf("--server: %v", err)
	case os.Getenv("TCPSNITCH_SERVER") != "":
		return usageErrorf("TCPSNITCH_SERVER: %v", err)
	}
	return usageErrorf("server in %s: %v", config.Path(), err)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
