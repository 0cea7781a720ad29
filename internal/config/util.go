package config

import (
	"bytes"
	"io"
	"strings"
)

// errEOF is what the yaml decoder returns for an empty file.
var errEOF = io.EOF

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// oneLine folds yaml's multi-line error reports into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
