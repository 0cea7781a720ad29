package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The settings flags (-b -u -f -l -t -c -v -n -p, --server, -s) are
// persistent flags of the root command so that `tcpsnitch -b 10 config`
// can show a flag as a setting's source. Cobra then accepts them on every
// subcommand, where they would be silently ignored (`tcpsnitch version -b 1`).
// They mean something only to the root command (a traced program, -a, -k)
// and to `config`; elsewhere they are refused.

// settingsScoped lists the commands that use the settings flags, by path.
var settingsScoped = map[string]bool{"tcpsnitch": true, "tcpsnitch config": true}

// checkSettingsScope refuses, with one line, a settings flag given to a
// command that does not use it.
// showVersion is the root's --version, which uses no setting either.
func checkSettingsScope(c *cobra.Command, showVersion bool) error {
	if settingsScoped[c.CommandPath()] && !(c == c.Root() && showVersion) {
		return nil
	}
	var given *pflag.Flag
	c.Root().PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if given == nil && c.Flags().Changed(f.Name) {
			given = f
		}
	})
	if given == nil {
		return nil
	}
	what := "`" + c.CommandPath() + "`"
	if c == c.Root() {
		what = "--version"
	}
	return usageErrorf("%s is not a flag of %s: the settings flags go with a command to trace, -a/-k, or `tcpsnitch config`",
		flagName(given), what)
}

// flagName is "-b (--tcp-info-bytes)", or "--server" for a flag without shorthand.
func flagName(f *pflag.Flag) string {
	if f.Shorthand == "" {
		return "--" + f.Name
	}
	return fmt.Sprintf("-%s (--%s)", f.Shorthand, f.Name)
}

// globalFlagsBlock is the part of cobra's usage template that lists a
// command's inherited flags.
const globalFlagsBlock = "{{if .HasAvailableInheritedFlags}}\n\nGlobal Flags:\n" +
	"{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}"

// scopeSettingsHelp makes the help of the commands that refuse the
// settings flags stop listing them as "Global Flags": the root's template
// (which its subcommands inherit) goes without that block, and config's
// keeps it. The root lists them among its own flags either way.
func scopeSettingsHelp(root, config *cobra.Command) {
	tmpl := root.UsageTemplate()
	if !strings.Contains(tmpl, globalFlagsBlock) {
		return // another cobra template: leave it
	}
	root.SetUsageTemplate(strings.Replace(tmpl, globalFlagsBlock, "", 1))
	config.SetUsageTemplate(tmpl)
}
