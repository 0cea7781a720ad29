package shim_test

import (
	"encoding/json"
	"fmt"
	"strings"
)

func jsonInt(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number: %v", v)
	}
	return n.Int64()
}

func containsSym(nmOut, sym string) bool {
	for _, line := range strings.Split(nmOut, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			name := f[len(f)-1]
			if name == sym || strings.HasPrefix(name, sym+"@") {
				return true
			}
		}
	}
	return false
}
