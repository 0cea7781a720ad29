package main

import (
	"context"
	"os"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
	"github.com/tcpsnitch/tcpsnitch/internal/runner"
)

// run wires the real process (streams, signals, arguments) to the command
// tree and turns the outcome into an exit code.
func run() int {
	streams := cliio.System()
	ctx, signals := runner.WatchSignals(context.Background())
	defer signals.Stop()
	err := execute(ctx, os.Args[1:], streams, signals)
	return exitCode(err, streams)
}

// execute builds the command tree and runs it with args.
func execute(ctx context.Context, args []string, streams *cliio.Streams, signals *runner.Signals) error {
	root := newRootCmd(streams, signals)
	root.SetArgs(args)
	_, err := root.ExecuteContextC(ctx)
	return err
}
