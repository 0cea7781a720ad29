package config

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkKeys walks the file's mappings against Config's yaml keys and names
// the first unknown key with the closest known one, which yaml's own
// "field sever not found in type config.Config" does not.
func checkKeys(path string, data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil // yaml errors are reported by the decoder
	}
	return walkKeys(path, "", doc.Content[0], reflect.TypeOf(Config{}))
}

func walkKeys(path, under string, n *yaml.Node, t reflect.Type) error {
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	known := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		known[name] = f.Type
		names = append(names, name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i].Value, n.Content[i+1]
		ft, ok := known[key]
		if !ok {
			where := ""
			if under != "" {
				where = " under " + under + ":"
			}
			msg := fmt.Sprintf("unknown key %q%s in %s:%d", key, where, path, n.Content[i].Line)
			if s := closest(key, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (known keys: %s)", strings.Join(names, ", "))
			}
			return fmt.Errorf("%s", msg)
		}
		if err := walkKeys(path, key, value, ft); err != nil {
			return err
		}
	}
	return nil
}

// closest is the known name at edit distance ≤ 2 (or sharing a prefix of
// four letters) from key, or "".
func closest(key string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		d := distance(strings.ToLower(key), n)
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		for _, n := range names {
			if len(key) >= 4 && strings.HasPrefix(n, strings.ToLower(key[:4])) {
				return n
			}
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
