package perfetto

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Slice is a complete ("X") event as Check read it.
type Slice struct {
	Name, Cat string
	PID, TID  int64
	Ts, Dur   float64 // µs
	Args      map[string]any
}

var phases = map[string]bool{"X": true, "B": true, "E": true, "i": true, "I": true, "C": true, "M": true,
	"b": true, "e": true, "n": true, "s": true, "t": true, "f": true, "P": true, "O": true, "N": true, "D": true}

var metaNames = map[string]bool{"process_name": true, "thread_name": true, "process_sort_index": true,
	"thread_sort_index": true, "process_labels": true}

// Check holds a file to the Trace Event Format's rules (the JSON object
// form): every event has a known phase and a numeric pid; complete events
// have a name, a tid, ts and a non-negative dur; counters have only
// numeric args; metadata events are the known ones and name something;
// and the complete events of each thread nest (a slice that starts inside
// another ends inside it), which is what the viewers need to draw them.
// It returns the complete events.
func Check(b []byte) ([]Slice, error) {
	var doc struct {
		TraceEvents []map[string]any `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a Trace Event Format JSON object: %w", err)
	}
	if doc.TraceEvents == nil {
		return nil, fmt.Errorf("no traceEvents array")
	}
	var out []Slice
	for i, e := range doc.TraceEvents {
		bad := func(f string, a ...any) error {
			return fmt.Errorf("event %d (%v): %s", i, e, fmt.Sprintf(f, a...))
		}
		ph, _ := e["ph"].(string)
		if !phases[ph] {
			return nil, bad("unknown phase %q", ph)
		}
		pid, ok := e["pid"].(float64)
		if !ok {
			return nil, bad("pid is not a number")
		}
		name, _ := e["name"].(string)
		switch ph {
		case "X":
			ts, ok1 := e["ts"].(float64)
			dur, ok2 := e["dur"].(float64)
			tid, ok3 := e["tid"].(float64)
			if !ok1 || !ok2 || !ok3 || name == "" || dur < 0 || ts < 0 {
				return nil, bad("a complete event needs name, ts, dur >= 0, tid")
			}
			args, _ := e["args"].(map[string]any)
			cat, _ := e["cat"].(string)
			out = append(out, Slice{Name: name, Cat: cat, PID: int64(pid), TID: int64(tid), Ts: ts, Dur: dur, Args: args})
		case "C":
			args, ok := e["args"].(map[string]any)
			if _, okTs := e["ts"].(float64); !okTs || !ok || name == "" || len(args) == 0 {
				return nil, bad("a counter needs name, ts and args")
			}
			for k, v := range args {
				if _, num := v.(float64); !num {
					return nil, bad("counter arg %q is not a number", k)
				}
			}
		case "M":
			args, _ := e["args"].(map[string]any)
			if !metaNames[name] || args == nil {
				return nil, bad("unknown metadata event %q", name)
			}
			if n, _ := args["name"].(string); (name == "process_name" || name == "thread_name") && n == "" {
				return nil, bad("%s without args.name", name)
			}
		}
	}
	if err := checkNesting(out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkNesting(sl []Slice) error {
	s := append([]Slice(nil), sl...)
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.PID != b.PID {
			return a.PID < b.PID
		}
		if a.TID != b.TID {
			return a.TID < b.TID
		}
		if a.Ts != b.Ts {
			return a.Ts < b.Ts
		}
		return a.Dur > b.Dur
	})
	var stack []float64
	var pid, tid int64 = -1, -1
	const eps = 1e-6
	for _, x := range s {
		if x.PID != pid || x.TID != tid {
			pid, tid, stack = x.PID, x.TID, stack[:0]
		}
		for len(stack) > 0 && stack[len(stack)-1] <= x.Ts+eps {
			stack = stack[:len(stack)-1]
		}
		end := x.Ts + x.Dur
		if n := len(stack); n > 0 && end > stack[n-1]+eps {
			return fmt.Errorf("pid %d tid %d: slice %s at %.3f ends at %.3f, after its enclosing slice ends (%.3f)", pid, tid, x.Name, x.Ts, end, stack[n-1])
		}
		stack = append(stack, end)
	}
	return nil
}
