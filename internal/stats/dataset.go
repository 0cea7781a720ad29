package stats

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// TraceInfo is what filters select traces by.
type TraceInfo struct {
	ID           string `json:"id"`
	App          string `json:"app"`
	OS           string `json:"os"`           // meta/os: "Linux", "android"
	Connectivity string `json:"connectivity"` // upload form: wifi, ethernet, lte; "" unknown
	StartUsec    int64  `json:"start_usec"`   // the trace's first event (0: none)
}

// Class is what filters select sockets by.
type Class struct {
	Proto  string `json:"proto"`  // tcp, udp, other
	Family string `json:"family"` // ipv4, ipv6, other
	Remote bool   `json:"remote"`
}

func (c Class) String() string {
	r := "local"
	if c.Remote {
		r = "remote"
	}
	return c.Proto + "/" + c.Family + "/" + r
}

// ParseClass reads Class.String's form.
func ParseClass(s string) (Class, error) {
	f := strings.Split(s, "/")
	if len(f) != 3 || (f[2] != "local" && f[2] != "remote") {
		return Class{}, fmt.Errorf("socket class %q: want proto/family/local|remote", s)
	}
	return Class{Proto: f[0], Family: f[1], Remote: f[2] == "remote"}, nil
}

// Trace is the stored aggregate of one trace: its sockets' aggregates by
// class (at most 3×3×2 of them), so that a socket filter is a choice of
// classes and no trace is ever read again.
type Trace struct {
	Info    TraceInfo       `json:"info"`
	Classes map[string]*Agg `json:"classes"`
	Hosts   Counter         `json:"hosts"`
}

// Filter selects traces and sockets; empty fields select everything.
type Filter struct {
	OS           string `json:"os,omitempty"`
	Proto        string `json:"proto,omitempty"`  // tcp, udp
	Family       string `json:"family,omitempty"` // ipv4, ipv6
	Remote       string `json:"remote,omitempty"` // yes, no
	Connectivity string `json:"connectivity,omitempty"`
	App          string `json:"app,omitempty"`
	// From, To: traces whose first event falls in these days (UTC,
	// YYYY-MM-DD, both included).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Global says whether the filter selects the whole dataset; only then are
// network-specialised apps counted.
func (f Filter) Global() bool { return f == Filter{} }

// Check names the first value the filter cannot match.
func (f Filter) Check() error {
	check := func(name, v string, ok ...string) error {
		if v == "" {
			return nil
		}
		for _, o := range ok {
			if v == o {
				return nil
			}
		}
		return fmt.Errorf("filter %s=%q: want one of %s", name, v, strings.Join(ok, ", "))
	}
	if err := check("proto", f.Proto, "tcp", "udp", "other"); err != nil {
		return err
	}
	if err := check("family", f.Family, "ipv4", "ipv6", "other"); err != nil {
		return err
	}
	if err := check("remote", f.Remote, "yes", "no"); err != nil {
		return err
	}
	for name, v := range map[string]string{"from": f.From, "to": f.To} {
		if _, err := day(v); err != nil {
			return fmt.Errorf("filter %s=%q: want a date YYYY-MM-DD", name, v)
		}
	}
	return nil
}

// day returns the first microsecond of a YYYY-MM-DD day (UTC); 0 for "".
func day(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.Parse("2006-01-02", s)
	return t.UnixMicro(), err
}

func (f Filter) socketLevel() bool { return f.Proto != "" || f.Family != "" || f.Remote != "" }

func (f Filter) matchTrace(i TraceInfo) bool {
	if from, err := day(f.From); err == nil && f.From != "" && i.StartUsec < from {
		return false
	}
	if to, err := day(f.To); err == nil && f.To != "" && i.StartUsec >= to+24*3600*1e6 {
		return false
	}
	return (f.OS == "" || strings.EqualFold(f.OS, i.OS)) &&
		(f.Connectivity == "" || strings.EqualFold(f.Connectivity, i.Connectivity)) &&
		(f.App == "" || f.App == i.App)
}

func (f Filter) matchClass(c Class) bool {
	return (f.Proto == "" || f.Proto == c.Proto) && (f.Family == "" || f.Family == c.Family) &&
		(f.Remote == "" || (f.Remote == "yes") == c.Remote)
}

// Total is the trace's whole aggregate (every class), names unsealed so
// process and thread statistics still apply.
func (t *Trace) Total() *Agg { return t.filtered(Filter{}) }

func (t *Trace) filtered(f Filter) *Agg {
	a := NewAgg()
	keys := make([]string, 0, len(t.Classes))
	for k := range t.Classes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c, err := ParseClass(k)
		if err == nil && f.matchClass(c) {
			a.Add(t.Classes[k])
		}
	}
	a.Traces = 1
	a.Hosts.add(t.Hosts)
	if a.Apps[t.Info.App] == nil && t.Info.App != "" {
		a.Apps[t.Info.App] = newFootprint() // an app without sockets still is an app
	}
	return a
}

// Combine is the dataset's aggregate over the traces the filter selects.
// Apps in specialised count only when the filter is global.
func Combine(traces []*Trace, specialised map[string]bool, f Filter) *Agg {
	ds := NewAgg()
	for _, t := range traces {
		if !f.Global() && specialised[t.Info.App] {
			continue
		}
		if !f.matchTrace(t.Info) {
			continue
		}
		a := t.filtered(f)
		if f.socketLevel() && a.Sockets == 0 {
			continue // the trace has no socket of the segment
		}
		a.Seal()
		ds.Add(a)
	}
	for app := range ds.Apps {
		if specialised[app] {
			ds.Specialised[app] = true
		}
	}
	return ds
}
