package adb

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// newBar returns a byte progress bar drawn on w, or nil when w is nil (the
// caller passes stderr only when it is a terminal) or there is nothing to show.
func newBar(w io.Writer, total int64, what string) *progressbar.ProgressBar {
	if w == nil || total <= 0 {
		return nil
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}
