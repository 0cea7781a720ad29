package shim_test

import (
	"sort"
	"testing"
)

// A program that rewrites its title before its first socket (and a fork
// child that rewrites it again) is named after what was executed.
func TestProcessNameIgnoresRewrittenTitle(t *testing.T) {
	skipUnderQemu(t, "qemu-user 7.2 aborts when a multithreaded guest forks")
	prog := build(t, "retitle")
	r := run(t, prog, nil)
	var names []string
	for _, p := range r.trace.Processes {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "retitle_000" || names[1] != "retitle_001" {
		t.Fatalf("process directories %v, want [retitle_000 retitle_001] (named from argv[0] at start)", names)
	}
}
