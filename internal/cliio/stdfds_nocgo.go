//go:build !cgo || !linux

package cliio

// closedAtStart: without cgo nothing runs before the Go runtime, which has
// already put /dev/null on closed standard fds; the program then gets
// /dev/null too (docs/cli.md says so).
func closedAtStart() (closed [3]bool, known bool) { return closed, false }
