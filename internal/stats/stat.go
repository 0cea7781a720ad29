package stats

import (
	"sort"
	"strconv"
	"strings"
)

// Scope is what an aggregate covers; some statistics only apply to some.
type Scope string

const (
	ScopeSocket  Scope = "socket"
	ScopeProcess Scope = "process"
	ScopeTrace   Scope = "trace"
	ScopeDataset Scope = "dataset"
)

// Kinds of statistic (the original platform's chart kinds).
const (
	KindCount      = "count"      // one number
	KindPie        = "pie"        // counts by group
	KindDistinct   = "distinct"   // how many different keys (rows list them)
	KindAppsUsing  = "apps-using" // number of apps using each key (dataset)
	KindSum        = "sum"        // sums by group
	KindBoolShare  = "bool-share" // share of true for each flag (rows carry Of)
	KindCDF        = "cdf"        // value -> occurrences, Percent cumulative
	KindTimeseries = "timeseries" // time (µs) -> cumulative value
)

// Stat is one statistic with its data table.
type Stat struct {
	ID       string  `json:"id"`
	Category string  `json:"category"`
	Title    string  `json:"title"`
	Kind     string  `json:"kind"`
	Unit     string  `json:"unit,omitempty"`
	Rows     []Row   `json:"rows"`
	Total    float64 `json:"total"`
}

// Row is one line of a statistic's table. Percent is of Total, except for
// bool-share (of Of) and cdf (cumulative).
type Row struct {
	Key     string  `json:"key"`
	Value   float64 `json:"value"`
	Of      float64 `json:"of,omitempty"`
	Percent float64 `json:"percent"`
}

func pct(v, of float64) float64 {
	if of == 0 {
		return 0
	}
	return v * 100 / of
}

func counterStat(id, cat, title, kind, unit string, c Counter) Stat {
	s := Stat{ID: id, Category: cat, Title: title, Kind: kind, Unit: unit}
	for k, v := range c {
		s.Rows = append(s.Rows, Row{Key: k, Value: float64(v)})
		s.Total += float64(v)
	}
	sortRows(s.Rows)
	for i := range s.Rows {
		s.Rows[i].Percent = pct(s.Rows[i].Value, s.Total)
	}
	return s
}

// sortRows: biggest first, then by key, so output is stable.
func sortRows(r []Row) {
	sort.Slice(r, func(i, j int) bool {
		if r[i].Value != r[j].Value {
			return r[i].Value > r[j].Value
		}
		return r[i].Key < r[j].Key
	})
}

func countStat(id, cat, title string, n int64) Stat {
	return Stat{ID: id, Category: cat, Title: title, Kind: KindCount,
		Rows: []Row{{Key: title, Value: float64(n), Percent: 100}}, Total: float64(n)}
}

func shareStat(id, cat, title string, m map[string]*Share) Stat {
	s := Stat{ID: id, Category: cat, Title: title, Kind: KindBoolShare}
	for k, v := range m {
		s.Rows = append(s.Rows, Row{Key: k, Value: float64(v.True), Of: float64(v.Total), Percent: pct(float64(v.True), float64(v.Total))})
		if float64(v.Total) > s.Total {
			s.Total = float64(v.Total)
		}
	}
	sort.Slice(s.Rows, func(i, j int) bool { return s.Rows[i].Key < s.Rows[j].Key })
	return s
}

func cdfStat(id, cat, title, unit string, v Values) Stat {
	s := Stat{ID: id, Category: cat, Title: title, Kind: KindCDF, Unit: unit}
	keys := make([]int64, 0, len(v))
	for k, n := range v {
		keys = append(keys, k)
		s.Total += float64(n)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	cum := 0.0
	for _, k := range keys {
		cum += float64(v[k])
		s.Rows = append(s.Rows, Row{Key: strconv.FormatInt(k, 10), Value: float64(v[k]), Percent: pct(cum, s.Total)})
	}
	return s
}

func distinctStat(id, cat, title string, keys map[string]bool) Stat {
	s := Stat{ID: id, Category: cat, Title: title, Kind: KindDistinct}
	for k := range keys {
		s.Rows = append(s.Rows, Row{Key: k, Value: 1})
	}
	sort.Slice(s.Rows, func(i, j int) bool { return s.Rows[i].Key < s.Rows[j].Key })
	s.Total = float64(len(s.Rows))
	for i := range s.Rows {
		s.Rows[i].Percent = pct(1, s.Total)
	}
	return s
}

// appsUsing counts, for each key pick gives an app's footprint, the apps
// that used it; Percent is of all apps.
func appsUsing(id, cat, title string, apps map[string]*Footprint, pick func(*Footprint) map[string]bool) Stat {
	c := Counter{}
	for _, f := range apps {
		for k := range pick(f) {
			c[k]++
		}
	}
	s := counterStat(id, cat, title, KindAppsUsing, "apps", c)
	s.Total = float64(len(apps))
	for i := range s.Rows {
		s.Rows[i].Percent = pct(s.Rows[i].Value, s.Total)
	}
	return s
}

// footprints counts how many apps share each footprint (the sorted set,
// joined by spaces; "(none)" for an empty one).
func footprints(id, title string, apps map[string]*Footprint, pick func(*Footprint) map[string]bool) Stat {
	c := Counter{}
	for _, f := range apps {
		keys := make([]string, 0)
		for k := range pick(f) {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fp := strings.Join(keys, ", ")
		if fp == "" {
			fp = "(none)"
		}
		c[fp]++
	}
	s := counterStat(id, "Footprint", title, KindPie, "apps", c)
	return s
}

func allApps(a *Agg) map[string]bool {
	m := map[string]bool{}
	for k := range a.Apps {
		m[k] = true
	}
	return m
}

func union(apps map[string]*Footprint, pick func(*Footprint) map[string]bool) map[string]bool {
	m := map[string]bool{}
	for _, f := range apps {
		for k := range pick(f) {
			m[k] = true
		}
	}
	return m
}

var (
	pickFunctions = func(f *Footprint) map[string]bool { return f.Functions }
	pickOptions   = func(f *Footprint) map[string]bool { return f.Options }
	pickIoctls    = func(f *Footprint) map[string]bool { return f.Ioctls }
)

// successShare: per function, calls that succeeded out of all calls.
func successShare(calls, failed Counter) map[string]*Share {
	m := map[string]*Share{}
	for fn, n := range calls {
		m[fn] = &Share{True: n - failed[fn], Total: n}
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
