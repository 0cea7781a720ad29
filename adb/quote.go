package adb

import "strings"

// Quote makes one argument safe for the device's /system/bin/sh: the legacy
// `shell:` service (what gadb uses) receives a single command line, and gadb
// joins arguments with bare spaces, so every argument is quoted here.
// Words made only of harmless characters stay bare, for readable logs.
func Quote(arg string) string {
	if arg == "" {
		return "''"
	}
	if isBareWord(arg) {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}

// Join quotes each argument and joins them into one command line.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

func isBareWord(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_-./:@%+,", r):
		default:
			return false
		}
	}
	return true
}
