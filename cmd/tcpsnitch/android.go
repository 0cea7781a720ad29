package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tcpsnitch/tcpsnitch/adb"
	"github.com/tcpsnitch/tcpsnitch/internal/android"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/report"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
	"github.com/tcpsnitch/tcpsnitch/internal/upload"
)

// runAndroidLaunch is `tcpsnitch -a <pkg>`: install the shim for the app,
// set its options and wrap.<pkg>, start the app.
func runAndroidLaunch(ctx context.Context, opts *RootOptions, streams *cliio.Streams) error {
	if opts.Shim.Capture {
		return &UsageError{Msg: android.CaptureError.Error()}
	}
	libDir, err := runner.LibDir()
	if err != nil && opts.ShimPath == "" {
		return err
	}
	client, dev, err := openDevice(ctx, opts, streams)
	if ctx.Err() != nil {
		return &phoneInterrupted{What: "-a", State: "nothing of it is left on the phone"}
	}
	if err != nil {
		return err
	}
	s, err := android.Launch(ctx, dev, android.LaunchOptions{
		Query: opts.AndroidPackage, Shim: opts.ShimPath, LibDir: libDir, HostDir: opts.Dir,
		NoUpload: opts.NoUpload, Prompt: opts.Prompt, Options: opts.Shim,
		Log: streams.ErrOut, AllowPermissive: opts.AllowPermissive, RestartZygote: opts.RestartZygote,
	})
	if err != nil && ctx.Err() != nil {
		// Launch has undone its changes (and said so).
		return &phoneInterrupted{What: "-a", State: "nothing of it is left on the phone"}
	}
	if err != nil {
		return err
	}
	next := "tcpsnitch -k " + s.Package
	if several, _ := severalDevices(client); several {
		next = "tcpsnitch -s " + dev.Serial() + " -k " + s.Package
	}
	fmt.Fprintf(streams.ErrOut, "Use the app now; when done, run:\n  %s\n", next)
	return nil
}

// runAndroidKill is `tcpsnitch -k <pkg>`: stop the app, pull the trace,
// clean the device, upload.
func runAndroidKill(ctx context.Context, opts *RootOptions, streams *cliio.Streams) error {
	_, dev, err := openDevice(ctx, opts, streams)
	if ctx.Err() != nil {
		return &phoneInterrupted{What: "-k", State: "nothing was changed on the phone"}
	}
	if err != nil {
		return err
	}
	res, err := android.Kill(ctx, dev, android.KillOptions{
		Query: opts.KillPackage, HostDir: opts.Dir,
		Version: versionString(), GitHash: gitHashString(), Log: streams.ErrOut,
	})
	if err != nil && ctx.Err() != nil {
		// Kill stops before it removes anything from the phone.
		return &phoneInterrupted{What: "-k", State: "the traces are still on the phone: run `tcpsnitch -k " + opts.KillPackage + "` again"}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.ErrOut, "Trace saved in %s.\n", res.HostDir)
	sum := runner.Summarize(res.HostDir)
	if line := report.RunLine(res.HostDir, nil, report.Totals{Processes: sum.Processes, Sockets: sum.Sockets, Events: sum.Recorded}); line != "" {
		fmt.Fprintln(streams.ErrOut, line)
	}
	err = upload.Run(ctx, upload.Options{
		TraceDir: res.HostDir, Server: opts.Server, Timeout: opts.UploadTimeout,
		NoUpload: opts.NoUpload || res.Session.NoUpload,
		Prompt:   opts.Prompt || res.Session.Prompt,
	}, streams)
	if ctx.Err() != nil {
		// As on Linux: Ctrl-C during the upload or its -p questions.
		return &InterruptedError{What: "upload", TraceDir: res.HostDir}
	}
	if err != nil {
		return fmt.Errorf("%w (the trace is kept in %s)", err, res.HostDir)
	}
	return nil
}

// phoneInterrupted: Ctrl-C or SIGTERM stopped -a or -k before a trace was
// on the host; State says what is on the phone. It exits 130, like
// InterruptedError, which is used once the trace is on the host.
type phoneInterrupted struct{ What, State string }

func (e *phoneInterrupted) Error() string {
	return fmt.Sprintf("%s interrupted (%s)", e.What, e.State)
}

func (e *phoneInterrupted) Unwrap() error { return context.Canceled }

// newADBClient connects to the host's adb server (starting it if needed);
// progress bars go to stderr only when it is a terminal.
func newADBClient(streams *cliio.Streams) (*adb.Client, error) {
	o := adb.Options{StartServer: true}
	if streams.IsStderrTTY() {
		o.Progress = streams.ErrOut
	}
	return adb.NewClient(o)
}

// openDevice chooses the device for this run (-s, $ANDROID_SERIAL, the
// configured default, the only one, or the user's pick) and opens it.
func openDevice(ctx context.Context, opts *RootOptions, streams *cliio.Streams) (*adb.Client, adb.Device, error) {
	client, err := newADBClient(streams)
	if err != nil {
		return nil, nil, err
	}
	devs, err := client.Devices()
	if err != nil {
		return nil, nil, err
	}
	info, err := android.ChooseDevice(devs, deviceChoice(opts), devicePrompt(ctx, streams))
	if err != nil {
		return nil, nil, err
	}
	dev, err := client.Device(info.Serial)
	return client, dev, err
}

// deviceChoice splits opts.Serial (already flag > $ANDROID_SERIAL > config)
// back into its source: a configured default that is not attached does not
// stop a run with a single other device.
func deviceChoice(opts *RootOptions) android.Choice {
	env := os.Getenv("ANDROID_SERIAL")
	switch {
	case opts.Serial == "":
		return android.Choice{}
	case env == "" && opts.Config != nil && opts.Serial == opts.Config.Device:
		return android.Choice{Config: opts.Serial}
	case opts.Serial == env:
		return android.Choice{Env: env}
	}
	return android.Choice{Flag: opts.Serial}
}

// devicePrompt asks on the terminal, or returns nil when stdin or stderr
// is not one (scripts get an error listing the devices instead).
func devicePrompt(ctx context.Context, streams *cliio.Streams) android.Prompt {
	if !streams.IsStdinTTY() || !streams.IsStderrTTY() {
		return nil
	}
	return android.TerminalPrompt(ctx, streams.In, streams.ErrOut)
}

func severalDevices(c *adb.Client) (bool, error) {
	devs, err := c.Devices()
	return len(devs) > 1, err
}
