package adbtest

import "strings"

// getprop: no argument lists `[name]: [value]` lines; with a name prints its
// value (or the given default) on one line.
func (c *call) getprop() int {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(c.args) == 0 {
		for _, k := range sortedKeys(d.props) {
			c.printf("[%s]: [%s]\n", k, d.props[k])
		}
		return 0
	}
	v, ok := d.props[c.args[0]]
	if !ok && len(c.args) > 1 {
		v = c.args[1]
	}
	c.printf("%s\n", v)
	return 0
}

// setprop applies the simulated policy (see mayUserSetProp) and the length
// limits, with the messages of the phone's setprop for its API level.
func (c *call) setprop() int {
	d := c.d
	if len(c.args) != 2 {
		c.eprintf("usage: setprop NAME VALUE\n\nSets an Android system property.\n")
		return 1
	}
	name, value := c.args[0], c.args[1]
	failed := func() int {
		if d.cfg.SDK >= 28 {
			c.eprintf("Failed to set property '%s' to '%s'.\nSee dmesg for error reason.\n", name, value)
		} else {
			c.eprintf("setprop: failed to set property '%s' to '%s'\n", name, value)
		}
		return 1
	}
	if len(value) >= propValueMax && !strings.HasPrefix(name, "ro.") {
		if d.cfg.SDK >= 28 {
			c.eprintf("Value '%s' is too long, %d bytes vs a max of %d\n", value, len(value), propValueMax)
			return 1
		}
		return failed()
	}
	if d.cfg.SDK < 26 && len(name) >= 32 {
		return failed()
	}
	d.mu.Lock()
	allowed := d.mayUserSetProp(c.uid, name)
	if allowed {
		d.props[name] = value
		d.saveProps()
	}
	d.mu.Unlock()
	if allowed {
		d.firePendingRestarts()
	}
	if !allowed {
		d.logcatf(1, "E", "init", "Unable to set property '%s' from uid:%d gid:%d pid:%d: SELinux permission check failed",
			name, c.uid, c.uid, c.pid)
		return failed()
	}
	return 0
}
