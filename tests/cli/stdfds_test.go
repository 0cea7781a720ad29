package cli

import (
	"os/exec"
	"testing"
)

// A standard fd closed for tcpsnitch is closed for the program too, not
// /dev/null: curl writing its body to a closed stdout fails (exit 23)
// traced as untraced.
func TestClosedStdoutStaysClosed(t *testing.T) {
	srv := newServer(t, 100)
	run := func(script string, args ...string) int {
		cmd := exec.Command("sh", append([]string{"-c", script, "sh"}, args...)...)
		cmd.Run()
		return cmd.ProcessState.ExitCode()
	}
	url := srv.URL + "/"
	plain := run(`exec curl -s "$1" >&-`, url)
	traced := run(`exec "$1" -n -d "$2" curl -s "$3" >&-`, bin, t.TempDir(), url)
	if plain != 23 || traced != plain {
		t.Fatalf("curl >&-: exit %d untraced, %d traced (want 23 both)", plain, traced)
	}
	// stdin and stderr too: the program's view of its fds, checked by the
	// shell itself (a redirection from a closed fd fails).
	probe := `{ true <&0; } 2>/dev/null && echo 0open || echo 0closed; { true >&2; } 2>/dev/null && echo 2open || echo 2closed`
	for _, redir := range []string{"<&-", "2>&-", "<&- 2>&-"} {
		want, _ := exec.Command("sh", "-c", "sh -c '"+probe+"' "+redir).Output()
		got, _ := exec.Command("sh", "-c", bin+" -n -l 0 -d "+t.TempDir()+" sh -c '"+probe+"' "+redir).Output()
		if string(got) != string(want) {
			t.Errorf("%s: traced program saw %q, untraced %q", redir, got, want)
		}
	}
}
