package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

func newVersionCmd(streams *cliio.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of tcpsnitch",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return runVersion(streams) },
	}
}

func runVersion(streams *cliio.Streams) error {
	fmt.Fprintf(streams.Out, "tcpsnitch version %s (git %s)\n", versionString(), gitHashString())
	return nil
}

// versionString is the -ldflags version, or "dev" for a plain go build.
func versionString() string { return firstNonEmpty(version, "dev") }

func gitHashString() string { return firstNonEmpty(gitHash, "unknown") }

// noArgs refuses arguments with a usage error (exit 2).
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%q takes no arguments, got %q", c.CommandPath(), args[0])
	}
	return nil
}
