package upload

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// Connectivities are the values the server accepts for app_trace[connectivity].
var Connectivities = []string{"wifi", "ethernet", "lte"}

// ask reads the workload description and the connectivity from s.In, asking
// again on an invalid connectivity (as the original's `select` did).
func ask(o *Options, s *cliio.Streams) error {
	in := bufio.NewReader(s.In)
	if o.Workload == "" {
		fmt.Fprint(s.ErrOut, "Workload description (e.g. 'Opened app & navigated to google.com'): ")
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no workload description given (stdin closed)")
		}
		o.Workload = strings.TrimSpace(line)
	}
	for o.Connectivity == "" {
		fmt.Fprintf(s.ErrOut, "Connectivity (%s): ", strings.Join(Connectivities, ", "))
		line, err := in.ReadString('\n')
		answer := strings.ToLower(strings.TrimSpace(line))
		for _, c := range Connectivities {
			if answer == c {
				o.Connectivity = c
			}
		}
		if o.Connectivity != "" {
			break
		}
		if err != nil {
			return errors.New("no connectivity given (stdin closed)")
		}
		fmt.Fprintf(s.ErrOut, "Invalid connectivity %q.\n", answer)
	}
	return nil
}
