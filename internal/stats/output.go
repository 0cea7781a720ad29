package stats

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"sort"
	"strconv"
)

// Result is the statistics of one scope: a socket ("curl_000/3"), a
// process ("curl_000"), a trace (its app) or a dataset (a filter).
type Result struct {
	Scope Scope  `json:"scope"`
	Name  string `json:"name"`
	Stats []Stat `json:"stats"`
}

// WriteJSON writes results as one indented JSON document.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"schema_version": 1, "results": results})
}

// CSVHeader is the first line WriteCSV writes.
var CSVHeader = []string{"scope", "name", "stat", "category", "kind", "unit", "key", "value", "of", "percent"}

// WriteCSV writes one line per table row, and after each statistic's rows
// a "(total)" line with its total.
func WriteCSV(w io.Writer, results []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	for _, r := range results {
		for _, s := range r.Stats {
			for _, row := range s.Rows {
				of := ""
				if s.Kind == KindBoolShare {
					of = num(row.Of)
				}
				if err := cw.Write([]string{string(r.Scope), r.Name, s.ID, s.Category, s.Kind, s.Unit,
					row.Key, num(row.Value), of, strconv.FormatFloat(row.Percent, 'f', 2, 64)}); err != nil {
					return err
				}
			}
			if err := cw.Write([]string{string(r.Scope), r.Name, s.ID, s.Category, s.Kind, s.Unit,
				"(total)", num(s.Total), "", ""}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// TraceResults are the statistics of one accumulated trace: the trace,
// each process, and each kept socket (with its bytes over time).
func TraceResults(acc *Accumulator, name string) []Result {
	out := []Result{{Scope: ScopeTrace, Name: name, Stats: Compute(acc.Trace().Total(), ScopeTrace)}}
	for _, p := range sortedKeys(acc.Processes()) {
		out = append(out, Result{Scope: ScopeProcess, Name: p, Stats: Compute(acc.Process(p), ScopeProcess)})
	}
	keys := make([]SocketKey, 0, len(acc.Sockets()))
	for k := range acc.Sockets() {
		keys = append(keys, k)
	}
	sortSocketKeys(keys)
	for _, k := range keys {
		s := acc.Socket(k)
		st := append(Compute(s.Agg, ScopeSocket), SocketSeries(s, 200)...)
		out = append(out, Result{Scope: ScopeSocket, Name: k.Process + "/" + strconv.Itoa(k.Index), Stats: st})
	}
	return out
}

func sortSocketKeys(k []SocketKey) {
	sort.Slice(k, func(i, j int) bool {
		if k[i].Process != k[j].Process {
			return k[i].Process < k[j].Process
		}
		return k[i].Index < k[j].Index
	})
}
