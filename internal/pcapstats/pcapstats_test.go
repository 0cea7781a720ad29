package pcapstats

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// seg builds one Ethernet/IPv4/TCP packet.
func seg(t *testing.T, fromClient bool, seq uint32, flags string, payload int) []byte {
	t.Helper()
	cli, srv := net.IPv4(10, 0, 0, 1), net.IPv4(10, 0, 0, 2)
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli, DstIP: srv}
	tcp := &layers.TCP{SrcPort: 40000, DstPort: 443, Seq: seq, Window: 1000}
	if !fromClient {
		ip.SrcIP, ip.DstIP = srv, cli
		tcp.SrcPort, tcp.DstPort = 443, 40000
	}
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		}
	}
	tcp.SetNetworkLayerForChecksum(ip)
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{0, 1, 2, 3, 4, 6}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, tcp, gopacket.Payload(make([]byte, payload)))
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A connection whose first data segment is sent twice: one retransmit,
// its payload counted once, handshake and teardown timed.
func TestRetransmitsAndTimes(t *testing.T) {
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	t0 := time.Unix(1700000000, 0)
	pkts := []struct {
		at   time.Duration
		data []byte
	}{
		{0, seg(t, true, 100, "S", 0)},
		{300 * time.Microsecond, seg(t, false, 900, "SA", 0)},
		{310 * time.Microsecond, seg(t, true, 101, "A", 0)},
		{400 * time.Microsecond, seg(t, true, 101, "A", 100)},
		{200 * time.Millisecond, seg(t, true, 101, "A", 100)}, // retransmitted
		{201 * time.Millisecond, seg(t, false, 901, "A", 50)},
		{300 * time.Millisecond, seg(t, true, 201, "FA", 0)},
		{300*time.Millisecond + 80*time.Microsecond, seg(t, false, 951, "FA", 0)},
		{300*time.Millisecond + 90*time.Microsecond, seg(t, true, 202, "A", 0)},
	}
	var wire int64
	for _, p := range pkts {
		wire += int64(len(p.data))
		w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(p.at), CaptureLength: len(p.data), Length: len(p.data)}, p.data)
	}
	s, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Directions("10.0.0.2:443")
	if s.Packets != 9 || s.WireBytes != wire || s.Retransmits != 1 || !d.Known || d.Sent != 100 || d.Recv != 50 {
		t.Fatalf("packets %d bytes %d/%d retransmits %d directions %+v", s.Packets, s.WireBytes, wire, s.Retransmits, d)
	}
	if s.HandshakeUsec == nil || *s.HandshakeUsec != 310 || s.TeardownUsec == nil || *s.TeardownUsec != 90 {
		t.Fatalf("handshake %v teardown %v", s.HandshakeUsec, s.TeardownUsec)
	}
	if s.Local("10.0.0.2:443") != "10.0.0.1:40000" {
		t.Errorf("local %q", s.Local("10.0.0.2:443"))
	}
	if _, err := Read(bytes.NewReader([]byte("not a pcap at all, no"))); err == nil {
		t.Error("garbage read as a pcap")
	}
}
