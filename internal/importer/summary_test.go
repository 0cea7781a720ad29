package importer

import (
	"testing"

	"github.com/tcpsnitch/tcpsnitch/internal/store"
	"github.com/tcpsnitch/tcpsnitch/internal/tracefile"
)

// A recv with MSG_PEEK leaves the datagram for the next read (socat's UDP
// listener peeks, then its child reads it): the socket's summary counts
// the bytes once.
func TestSummaryCountsPeekedBytesOnce(t *testing.T) {
	k := &store.Socket{}
	for _, e := range []tracefile.RawEvent{
		{Type: "socket", ReturnValue: 3, Success: true, Details: []byte(`{"sock_info": {"domain": "AF_INET", "type": "SOCK_DGRAM", "protocol": "udp"}}`)},
		{Type: "recvmsg", ReturnValue: 300, Success: true, Details: []byte(`{"bytes": 1, "flags": {"MSG_PEEK": true, "MSG_TRUNC": true}}`)},
		{Type: "recvfrom", ReturnValue: 300, Success: true, Details: []byte(`{"bytes": 8192, "flags": {"MSG_PEEK": false}}`)},
	} {
		summarise(k, &e)
	}
	if k.BytesRecv != 300 {
		t.Fatalf("bytes received %d, want 300 (the peeked 300 are the same bytes)", k.BytesRecv)
	}
}
