package report

import (
	"encoding/json"
	"io"
	"time"
)

// WriteJSON writes the report as indented JSON (schema: docs/report.md).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func timeOf(us int64) time.Time { return time.UnixMicro(us).UTC() }
