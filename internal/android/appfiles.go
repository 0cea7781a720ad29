package android

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/adb"
)

// appFiles creates, copies out and removes files inside an app's data
// directory, which the shell user cannot enter. Two ways exist: root, or
// run-as for a debuggable app (run-as runs as the app, in its data dir).
// Files are always created afresh there (cp, mkdir), never moved in: a move
// keeps the shell_data_file label, which the app may not map executable.
type appFiles interface {
	kind() string // "root" or "run-as", recorded in the session
	// installLib copies a library pushed to /data/local/tmp to dst, owned by
	// the app and labelled as app data.
	installLib(src, dst string) error
	// makeTraceDir creates an empty directory the app can write to.
	makeTraceDir(dir string) error
	// stageOut copies the tree dir to stage (in /data/local/tmp), readable
	// by the shell user so that sync can pull it.
	stageOut(dir, stage string) error
	// exists reports whether path exists inside the app's data dir.
	exists(path string) (bool, error)
	// read returns a file the app (or root) may read, e.g. its maps.
	read(path string) (string, error)
	// nonEmpty reports whether the directory has any entry.
	nonEmpty(dir string) (bool, error)
	// remove deletes paths inside the app's data dir.
	remove(paths ...string) error
	// shell runs a command line with the rights to signal the app.
	shell(cmdline string) error
}

// rootFiles works as root and hands files over to the app's uid.
type rootFiles struct {
	root     adb.Root
	uid      int
	shellUID string // owner for staged copies, so sync (as shell) can read them
}

func (r rootFiles) kind() string { return "root" }

func (r rootFiles) run(argvs ...[]string) error {
	lines := make([]string, len(argvs))
	for i, argv := range argvs {
		lines[i] = adb.Join(argv...)
	}
	_, err := adb.RunLine(r.root, strings.Join(lines, " && "))
	return err
}

func (r rootFiles) owner() string { return strconv.Itoa(r.uid) + ":" + strconv.Itoa(r.uid) }

func (r rootFiles) installLib(src, dst string) error {
	return r.run(
		[]string{"rm", "-f", dst},
		[]string{"cp", src, dst},
		[]string{"chown", r.owner(), dst},
		[]string{"chmod", "755", dst},
		[]string{"restorecon", dst})
}

func (r rootFiles) makeTraceDir(dir string) error {
	return r.run(
		[]string{"rm", "-rf", dir},
		[]string{"mkdir", dir},
		[]string{"chown", r.owner(), dir},
		[]string{"chmod", "700", dir},
		[]string{"restorecon", dir})
}

func (r rootFiles) stageOut(dir, stage string) error {
	return r.run(
		[]string{"rm", "-rf", stage},
		[]string{"cp", "-R", dir, stage},
		[]string{"chown", "-R", r.shellUID + ":" + r.shellUID, stage})
}

func (r rootFiles) exists(path string) (bool, error) {
	res, err := r.root.ShellLine(adb.Join("test", "-e", path))
	return err == nil && res.Status == 0, err
}

func (r rootFiles) read(path string) (string, error) {
	return adb.Run(r.root, "cat", path)
}

func (r rootFiles) nonEmpty(dir string) (bool, error) {
	out, err := adb.RunLine(r.root, nonEmptyLine(dir))
	return strings.TrimSpace(out) != "", err
}

// nonEmptyLine prints something when dir has an entry (toolbox has no
// `ls -A`; a glob works in every shell).
func nonEmptyLine(dir string) string {
	return "for f in " + adb.Quote(dir) + "/*; do [ -e \"$f\" ] && echo y && break; done; true"
}

func (r rootFiles) shell(cmdline string) error {
	_, err := adb.RunLine(r.root, cmdline)
	return err
}

func (r rootFiles) remove(paths ...string) error {
	return r.run(append([]string{"rm", "-rf"}, paths...))
}

// runAsFiles works as the app itself with run-as (debuggable apps only);
// what it creates is the app's and gets the app data label by itself.
type runAsFiles struct {
	sh  adb.Sheller
	pkg string
}

func (r runAsFiles) kind() string { return "run-as" }

func (r runAsFiles) runAs(argv ...string) error {
	_, err := adb.RunAs(r.sh, r.pkg, argv...)
	return err
}

func (r runAsFiles) installLib(src, dst string) error {
	if err := r.runAs("rm", "-f", dst); err != nil {
		return err
	}
	if err := r.runAs("cp", src, dst); err != nil {
		return err
	}
	return r.runAs("chmod", "755", dst)
}

func (r runAsFiles) makeTraceDir(dir string) error {
	if err := r.runAs("rm", "-rf", dir); err != nil {
		return err
	}
	if err := r.runAs("mkdir", dir); err != nil {
		return err
	}
	return r.runAs("chmod", "700", dir)
}

// stageOut lists the app's files as the app, then copies each with
// `run-as <pkg> cat`, redirected by the shell user's own shell into the
// stage directory (the app cannot write to /data/local/tmp, the shell user
// cannot read the app's files; the copy never passes through adb, so it is
// byte exact).
func (r runAsFiles) stageOut(dir, stage string) error {
	list := "cd " + adb.Quote(dir) + " && for f in * */* */*/* */*/*/*; do " +
		"if [ -d \"$f\" ]; then echo \"d $f\"; elif [ -f \"$f\" ]; then echo \"f $f\"; fi; done"
	out, err := adb.RunAs(r.sh, r.pkg, "sh", "-c", list)
	if err != nil {
		return fmt.Errorf("listing %s: %w", dir, err)
	}
	cmds := []string{adb.Join("rm", "-rf", stage), adb.Join("mkdir", stage)}
	for _, line := range strings.Split(out, "\n") {
		kind, rel, ok := strings.Cut(strings.TrimRight(line, "\r"), " ")
		if !ok || rel == "" || strings.Contains(rel, "..") {
			continue
		}
		switch kind {
		case "d":
			cmds = append(cmds, adb.Join("mkdir", "-p", stage+"/"+rel))
		case "f":
			cmds = append(cmds, adb.Join("run-as", r.pkg, "cat", dir+"/"+rel)+" > "+adb.Quote(stage+"/"+rel))
		}
	}
	// Several short command lines: old devices take at most 4 KiB per line.
	for _, batch := range batches(cmds, 3000) {
		if _, err := adb.RunLine(r.sh, batch); err != nil {
			return fmt.Errorf("copying the traces out: %w", err)
		}
	}
	return nil
}

func (r runAsFiles) exists(path string) (bool, error) {
	res, err := r.sh.ShellLine(adb.Join("run-as", r.pkg, "test", "-e", path))
	return err == nil && res.Status == 0, err
}

func (r runAsFiles) read(path string) (string, error) {
	return adb.RunAs(r.sh, r.pkg, "cat", path)
}

func (r runAsFiles) nonEmpty(dir string) (bool, error) {
	out, err := adb.RunAs(r.sh, r.pkg, "sh", "-c", nonEmptyLine(dir))
	return strings.TrimSpace(out) != "", err
}

func (r runAsFiles) shell(cmdline string) error {
	return r.runAs("sh", "-c", cmdline)
}

func (r runAsFiles) remove(paths ...string) error {
	return r.runAs(append([]string{"rm", "-rf"}, paths...)...)
}

// batches joins commands with && into lines of at most max bytes (a single
// longer command gets a line of its own).
func batches(cmds []string, max int) []string {
	var out []string
	cur := ""
	for _, c := range cmds {
		if cur != "" && len(cur)+4+len(c) > max {
			out = append(out, cur)
			cur = ""
		}
		if cur == "" {
			cur = c
		} else {
			cur += " && " + c
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
