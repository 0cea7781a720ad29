package upload

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/tcpsnitch/tcpsnitch/internal/archive"
	"github.com/tcpsnitch/tcpsnitch/internal/cliio"
)

// post sends the archive, retrying once after a network error or a 5xx
// answer, and returns the URL that identifies the uploaded trace.
func post(ctx context.Context, o Options, archivePath string, s *cliio.Streams) (string, error) {
	url, err := postOnce(ctx, o, archivePath, s)
	var retry retryable
	if err != nil && errors.As(err, &retry) && ctx.Err() == nil {
		fmt.Fprintf(s.ErrOut, "Upload failed (%v), retrying once.\n", err)
		url, err = postOnce(ctx, o, archivePath, s)
	}
	return url, err
}

// retryable marks failures worth a second attempt.
type retryable struct{ error }

func (r retryable) Unwrap() error { return r.error }

func postOnce(ctx context.Context, o Options, archivePath string, s *cliio.Streams) (string, error) {
	f, err := os.Open(archivePath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	prefix, suffix, contentType := multipartFrame(o)

	var file io.Reader = f
	if s.IsStderrTTY() {
		bar := progressbar.NewOptions64(st.Size(),
			progressbar.OptionSetWriter(s.ErrOut),
			progressbar.OptionSetDescription("Uploading"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetRenderBlankState(true), // small archives finish in one read
			progressbar.OptionClearOnFinish())
		r := progressbar.NewReader(f, bar)
		file = &r
		defer bar.Finish()
	} else {
		fmt.Fprintf(s.ErrOut, "Uploading trace (%d bytes) to %s...\n", st.Size(), o.Server)
	}
	body := io.MultiReader(bytes.NewReader(prefix), file, bytes.NewReader(suffix))

	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	endpoint := strings.TrimRight(o.Server, "/") + "/app_traces"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, body)
	if err != nil {
		return "", err
	}
	req.ContentLength = int64(len(prefix)) + st.Size() + int64(len(suffix))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "text/plain, application/json;q=0.9, */*;q=0.5")

	// Do not follow redirects: a redirect's Location is the trace's URL.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", retryable{fmt.Errorf("no answer within %s", o.Timeout)}
		}
		if isCertificateError(err) {
			return "", err // the same certificate would fail again
		}
		return "", retryable{err}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	switch {
	case resp.StatusCode >= 500:
		return "", retryable{fmt.Errorf("server answered %s", resp.Status)}
	case resp.StatusCode >= 400:
		return "", fmt.Errorf("server answered %s%s", resp.Status, firstLine(answer, ": "))
	}
	return traceURL(resp, answer, endpoint), nil
}

// multipartFrame builds everything of the form except the archive's bytes,
// so the body can be streamed with an exact Content-Length.
func multipartFrame(o Options) (prefix, suffix []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if o.Workload != "" {
		mw.WriteField("app_trace[workload]", o.Workload)
	}
	if o.Connectivity != "" {
		mw.WriteField("app_trace[connectivity]", o.Connectivity)
	}
	mw.CreateFormFile("app_trace[archive]", archive.Name)
	prefix = bytes.Clone(buf.Bytes())
	buf.Reset()
	mw.Close()
	return prefix, bytes.Clone(buf.Bytes()), mw.FormDataContentType()
}

// traceURL picks the URL of the uploaded trace: the Location header of a
// redirect or 201, else a URL the body starts with, else the endpoint.
func traceURL(resp *http.Response, body []byte, endpoint string) string {
	if loc, err := resp.Location(); err == nil {
		return loc.String()
	}
	line := strings.TrimSpace(firstLine(body, ""))
	if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
		return strings.Fields(line)[0]
	}
	return endpoint + " (" + resp.Status + ")"
}

func firstLine(b []byte, prefix string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if line == "" {
		return ""
	}
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return prefix + line
}

// isCertificateError: the server's TLS certificate was refused (unknown
// authority, wrong host name, expired, …).
func isCertificateError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid)
}
