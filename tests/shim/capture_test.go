package shim_test

// -c: a pcap per socket, readable, holding that socket's packets only.

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func TestCapture(t *testing.T) {
	skipUnderQemu(t, "packet sockets and BPF filters are not emulated")
	if os.Geteuid() != 0 {
		t.Skip("packet capture needs root or CAP_NET_RAW")
	}
	prog := build(t, "bulk")
	r := run(t, prog, opts{"C": "1"}, "100", "5")
	p := r.proc(t)
	lport, cport := r.fact(t, "listen_port"), r.fact(t, "client_port")
	s := sock(t, p, 1)
	if s.PcapPath == "" {
		t.Fatalf("no 1.pcap for the client socket; logs:\n%s", p.Logs)
	}
	if strings.Contains(strings.ToLower(p.Logs+r.stderr), "permission") {
		t.Skipf("capture permission missing: %s", p.Logs)
	}
	f, err := os.Open(s.PcapPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("1.pcap is not a pcap file: %v", err)
	}
	packets, payload := 0, 0
	for {
		data, _, err := rd.ReadPacketData()
		if err != nil {
			break
		}
		packets++
		pkt := gopacket.NewPacket(data, rd.LinkType(), gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		ip4, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if tcp == nil || ip4 == nil {
			t.Errorf("packet %d is not TCP/IPv4: %v", packets, pkt)
			continue
		}
		sp, dp := int64(tcp.SrcPort), int64(tcp.DstPort)
		if !((sp == cport && dp == lport) || (sp == lport && dp == cport)) ||
			!ip4.SrcIP.IsLoopback() || !ip4.DstIP.IsLoopback() {
			t.Errorf("packet %d %s:%d -> %s:%d is not the socket's 4-tuple (127.0.0.1:%d <-> :%d)",
				packets, ip4.SrcIP, sp, ip4.DstIP, dp, cport, lport)
		}
		payload += len(tcp.Payload)
	}
	if packets == 0 {
		t.Fatal("1.pcap holds no packets")
	}
	if payload == 0 {
		t.Errorf("%d packets but no payload; the 5×100 bytes sent are missing", packets)
	}
	t.Logf("%d packets, %d payload bytes (client port %s)", packets, payload, strconv.FormatInt(cport, 10))
}
