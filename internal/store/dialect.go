package store

import (
	"strconv"
	"strings"
)

// dialect holds what differs between SQLite and PostgreSQL: placeholders
// and the way many events are written at once.
type dialect struct {
	name       string // "sqlite" or "postgres": the migrations directory
	dollarArgs bool   // $1, $2 … instead of ?
	failed     string // "the event failed", as the partial index on failures says it
}

var (
	sqliteDialect   = dialect{name: "sqlite", failed: "e.success = 0"}
	postgresDialect = dialect{name: "postgres", dollarArgs: true, failed: "NOT e.success"}
)

// rebind turns ? placeholders into $n for PostgreSQL (the queries hold no
// question marks elsewhere).
func (d dialect) rebind(q string) string {
	if !d.dollarArgs {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
