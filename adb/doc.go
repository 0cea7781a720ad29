// Package adb talks to Android devices through the host's adb server (the
// same server the `adb` command uses), with github.com/electricbubble/gadb
// underneath and the few host services gadb lacks spoken directly.
//
// The package offers what tcpsnitch needs from a phone: listing devices with
// their state, model, Android version, ABIs and root variant; shell commands
// with their exit status and quoted arguments; system properties; package
// lookup; root (adb root, Magisk `su -c`, AOSP `su 0`) and run-as; push of a
// file and pull of a directory tree, with progress bars on a terminal.
//
// No `adb` process is run per operation: the only subprocess is
// `adb start-server`, when the server is not running.
package adb
