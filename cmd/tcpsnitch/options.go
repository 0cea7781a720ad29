package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/spf13/pflag"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/config"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
)

// RootOptions is everything the root command (trace a Linux program, or
// drive Android with -a/-k) is told, after flags, environment and config
// file are merged. The Android helper's runAndroidLaunch/runAndroidKill
// read it too.
type RootOptions struct {
	Streams *cliio.Streams
	Signals *runner.Signals // nil in tests that call runTrace directly

	// Shim options (-b -u -c -f -l -t -v).
	Shim runner.ShimOptions

	Dir           string        // -d: trace directory ("" = new temp dir)
	Force         bool          // --force: write into a -d that is not a trace
	VerboseTime   string        // --verbose-time: none, wall, relative
	NoUpload      bool          // -n
	Prompt        bool          // -p
	Server        string        // --server, else $TCPSNITCH_SERVER, else config
	UploadTimeout time.Duration // --upload-timeout

	// Android (flags parsed here, acted upon in android.go).
	AndroidPackage string // -a: instrument and launch this package
	KillPackage    string // -k: stop this package and pull its trace
	Serial         string // -s: device serial; else $ANDROID_SERIAL, else config device
	ShimPath       string // --shim: use this libtcpsnitch.so instead of the built one
	// --allow-permissive: Android may switch SELinux to permissive when root
	// alone cannot set wrap.<pkg> (said aloud, never silent).
	AllowPermissive bool
	// --restart-zygote: on Android 12/12L, consent to restarting zygote so
	// that wrap.<package> is honoured (internal/android.ForkLoopError).
	RestartZygote bool

	Config *config.Config // the loaded config file (never nil after setup)
	Args   []string       // the command to trace and its arguments
}

// intOption describes one numeric shim option: its flags, its config key
// (the long flag name), its bounds and where its value lives.
type intOption struct {
	long, short, unit, usage string
	def, min, max            int // max < 0: no upper bound
	field                    func(*runner.ShimOptions) *int
	config                   func(*config.Defaults) *int
}

type boolOption struct {
	long, short, usage string
	field              func(*RootOptions) *bool
	config             func(*config.Defaults) *bool
}

var intOptions = []intOption{
	{"tcp-info-bytes", "b", "bytes", "sample TCP_INFO every N bytes sent+received (0 = never)", 0, 0, -1,
		func(s *runner.ShimOptions) *int { return &s.TCPInfoBytes }, func(d *config.Defaults) *int { return d.TCPInfoBytes }},
	{"tcp-info-usec", "u", "usec", "sample TCP_INFO at a socket's first call after N microseconds since its last sample (0 = never)", 0, 0, -1,
		func(s *runner.ShimOptions) *int { return &s.TCPInfoUsec }, func(d *config.Defaults) *int { return d.TCPInfoUsec }},
	{"file-log-level", "f", "level", "log level of logs.txt: 0 none, 1 error, 2 warning, 3 info, 4 debug, 5 all", 2, 0, 5,
		func(s *runner.ShimOptions) *int { return &s.FileLogLevel }, func(d *config.Defaults) *int { return d.FileLogLevel }},
	{"stderr-log-level", "l", "level", "log level of the shim on stderr (0-5, as -f)", 1, 0, 5,
		func(s *runner.ShimOptions) *int { return &s.StderrLogLevel }, func(d *config.Defaults) *int { return d.StderrLogLevel }},
	{"write-period", "t", "msec", "write recorded events to the JSON files every N milliseconds", 1000, 1, -1,
		func(s *runner.ShimOptions) *int { return &s.WritePeriodMs }, func(d *config.Defaults) *int { return d.WritePeriodMs }},
}

var boolOptions = []boolOption{
	{"capture", "c", "capture a pcap file per socket",
		func(o *RootOptions) *bool { return &o.Shim.Capture }, func(d *config.Defaults) *bool { return d.Capture }},
	{"verbose", "v", "print one strace-like line per socket call on stderr (or into -o FILE)",
		func(o *RootOptions) *bool { return &o.Shim.Verbose }, func(d *config.Defaults) *bool { return d.Verbose }},
	{"no-upload", "n", "do not upload the trace",
		func(o *RootOptions) *bool { return &o.NoUpload }, func(d *config.Defaults) *bool { return d.NoUpload }},
	{"prompt", "p", "ask for the workload and the connectivity before uploading",
		func(o *RootOptions) *bool { return &o.Prompt }, func(d *config.Defaults) *bool { return d.Prompt }},
}

// check validates a value for this option, with a message that names the
// accepted range.
func (o intOption) check(v int) error {
	switch {
	case o.max >= 0 && (v < o.min || v > o.max):
		return fmt.Errorf("must be a whole number from %d to %d", o.min, o.max)
	case v < o.min:
		return fmt.Errorf("must be a whole number ≥ %d", o.min)
	}
	return nil
}

// rangeText: "from 0 to 5", "from 0 to 9223372036854775807".
func (o intOption) rangeText() string {
	max := o.max
	if max < 0 {
		max = math.MaxInt
	}
	return fmt.Sprintf("from %d to %d", o.min, max)
}

// boundedInt is a pflag.Value that refuses values outside its option's range.
type boundedInt struct {
	dst *int
	opt intOption
}

func (b *boundedInt) String() string { return strconv.Itoa(*b.dst) }
func (b *boundedInt) Type() string   { return b.opt.unit }
func (b *boundedInt) Set(s string) error {
	v, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("out of range: must be a whole number %s", b.opt.rangeText())
	}
	if err != nil {
		return fmt.Errorf("not a whole number")
	}
	if err := b.opt.check(v); err != nil {
		return err
	}
	*b.dst = v
	return nil
}

// addShimFlags registers the option tables' flags with their built-in defaults.
func addShimFlags(fs *pflag.FlagSet, o *RootOptions) {
	for _, opt := range intOptions {
		dst := opt.field(&o.Shim)
		*dst = opt.def
		fs.VarP(&boundedInt{dst: dst, opt: opt}, opt.long, opt.short, opt.usage)
	}
	for _, opt := range boolOptions {
		fs.BoolVarP(opt.field(o), opt.long, opt.short, false, opt.usage)
	}
}

// applyConfigDefaults fills the options the command line did not set from
// the config file's defaults (flags > config > built-in defaults).
func applyConfigDefaults(fs *pflag.FlagSet, o *RootOptions) error {
	d := &o.Config.Defaults
	for _, opt := range intOptions {
		if v := opt.config(d); v != nil && !fs.Changed(opt.long) {
			if err := opt.check(*v); err != nil {
				return fmt.Errorf("config file %s: defaults: %s %w", config.Path(), opt.long, err)
			}
			*opt.field(&o.Shim) = *v
		}
	}
	for _, opt := range boolOptions {
		if v := opt.config(d); v != nil && !fs.Changed(opt.long) {
			*opt.field(o) = *v
		}
	}
	return nil
}
