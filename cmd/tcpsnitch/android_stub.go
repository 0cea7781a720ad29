package main

// Placeholders until cmd/tcpsnitch/android.go (Android helper) exists; that
// file replaces this one.

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

var errNoAndroid = errors.New("Android support not built yet")

func runAndroidLaunch(ctx context.Context, opts *RootOptions, streams *cliio.Streams) error {
	return errNoAndroid
}

func runAndroidKill(ctx context.Context, opts *RootOptions, streams *cliio.Streams) error {
	return errNoAndroid
}

func newDevicesCmd(streams *cliio.Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "devices",
		Short: "List Android devices (not built yet)",
		RunE:  func(*cobra.Command, []string) error { return errNoAndroid },
	}
}
