//go:build cgo && linux

package cliio

/*
#include <fcntl.h>

// Runs before the Go runtime starts (a constructor of the executable, as
// runc's nsenter does), so it sees fds 0-2 as tcpsnitch was given them:
// the runtime then puts /dev/null on any closed one (runtime.checkfds).
static int tcpsnitch_closed_std;

__attribute__((constructor)) static void tcpsnitch_probe_std(void) {
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0) tcpsnitch_closed_std |= 1 << fd;
}

static int tcpsnitch_closed_std_mask(void) { return tcpsnitch_closed_std; }
*/
import "C"

// closedAtStart reports which of fds 0, 1, 2 were closed when the process
// started, and whether that could be known.
func closedAtStart() (closed [3]bool, known bool) {
	mask := int(C.tcpsnitch_closed_std_mask())
	for i := range closed {
		closed[i] = mask&(1<<i) != 0
	}
	return closed, true
}
