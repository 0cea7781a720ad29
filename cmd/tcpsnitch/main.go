// Command tcpsnitch traces how a program uses the TCP/IP stack.
package main

import "os"

// Set at build time: -ldflags "-X main.version=... -X main.gitHash=...".
var version, gitHash string

func main() {
	os.Exit(run())
}
