// Package android runs a tcpsnitch session on an Android app over adb:
// Launch (tcpsnitch -a) installs the shim inside the app's data directory,
// sets the shim's options and wrap.<pkg>, and starts the app; Kill
// (tcpsnitch -k) stops it, brings the traces home with their meta/, and
// leaves the device as it was. What the two steps share is recorded on the
// device in a small session file.
package android
