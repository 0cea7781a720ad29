package realprogs

import (
	"bufio"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// origin is a local HTTP or HTTPS server behind a counting relay: clients
// are given the relay's URL.
//
// It answers one request per connection, then closes the TCP connection
// without a TLS close_notify: a client that exits without reading a
// trailing alert (wget, python) would leave bytes the relay sent but the
// client never received, and the relay's count would no longer be the
// truth of what the client read.
type origin struct {
	url    string // through the relay
	caFile string // PEM of the TLS server's certificate, "" for HTTP
	body   string
	relay  *relay
}

const bodySize = 100_000

func newOrigin(t *testing.T, scheme string) *origin {
	t.Helper()
	o := &origin{body: strings.Repeat("tcpsnitch real program body\n", bodySize/28+1)[:bodySize]}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var tlsConf *tls.Config
	if scheme == "https" {
		// httptest's certificate names 127.0.0.1, so clients verify it
		// for real against this file instead of skipping the check.
		ts := httptest.NewUnstartedServer(http.NotFoundHandler())
		ts.StartTLS()
		cert := ts.TLS.Certificates[0]
		ts.Close()
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}}
		o.caFile = filepath.Join(t.TempDir(), "ca.pem")
		writeFile(t, o.caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})))
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go o.serve(c, tlsConf)
		}
	}()
	o.relay = newRelay(t, ln.Addr().String())
	o.url = scheme + "://" + o.relay.addr() + "/file"
	return o
}

// serve reads one request's head and answers with the body.
func (o *origin) serve(raw net.Conn, tlsConf *tls.Config) {
	defer raw.Close() // the TCP connection only: no close_notify
	var c net.Conn = raw
	if tlsConf != nil {
		c = tls.Server(raw, tlsConf)
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "\r\n" {
			break
		}
	}
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(o.body), o.body)
}
