// Package pcapstats counts what a socket's capture (N.pcap, -c) saw on the
// wire: packets, bytes, payload per direction, retransmitted TCP segments,
// handshake and teardown times. Captures hold headers only (the shim's snap
// length), so payload sizes come from the IP and TCP length fields.
package pcapstats

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Stats of one capture.
type Stats struct {
	Packets     int
	WireBytes   int64 // original length of every packet
	Retransmits int   // TCP segments (or SYNs) carrying data sent before; their payload is not counted again
	// HandshakeUsec: first SYN to the ACK that completed the handshake;
	// TeardownUsec: first FIN or RST to the last packet. Nil when not seen.
	HandshakeUsec *int64
	TeardownUsec  *int64
	Err           string // set by callers when the capture could not be read
	flows         map[string]*flow
}

type flow struct {
	payload int64
	base    uint32 // first sequence number seen
	maxEnd  int64  // highest sequence end seen, relative to base
	seen    bool
	syns    int
}

// Dir is the payload moved each way, seen from the socket's side.
type Dir struct {
	Sent, Recv int64
	Known      bool // the remote endpoint was in the capture
}

// Directions splits payload by the remote endpoint "ip:port": what went
// to it was sent, what came from it was received.
func (s *Stats) Directions(remote string) Dir {
	var d Dir
	if remote == "" {
		return d
	}
	for src, f := range s.flows {
		if src == remote {
			d.Recv += f.payload
			d.Known = true
		} else {
			d.Sent += f.payload
		}
	}
	return d
}

// Local returns the endpoint talking to remote in the capture ("" when
// there is none, or several).
func (s *Stats) Local(remote string) string {
	local := ""
	for src := range s.flows {
		if src != remote {
			if local != "" {
				return ""
			}
			local = src
		}
	}
	return local
}

// Read counts a pcap stream.
func Read(r io.Reader) (*Stats, error) {
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a pcap file: %w", err)
	}
	lt := pr.LinkType()
	s := &Stats{flows: map[string]*flow{}}
	var synAt, synAckAt, finAt, lastAt int64
	var synSrc string
	for {
		data, ci, err := pr.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if s.Packets > 0 && (err == io.ErrUnexpectedEOF) {
				break // a capture cut by the end of the program: keep what was read
			}
			return s, fmt.Errorf("packet %d: %w", s.Packets+1, err)
		}
		s.Packets++
		s.WireBytes += int64(ci.Length)
		t := ci.Timestamp.UnixMicro()
		lastAt = t
		pkt := gopacket.NewPacket(data, lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		var src, dst net.IP
		var ipPayload int64 = -1
		if ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok {
			src, dst = ip.SrcIP, ip.DstIP
			ipPayload = int64(ip.Length) - int64(ip.IHL)*4
		} else if ip6, ok := pkt.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok {
			src, dst = ip6.SrcIP, ip6.DstIP
			ipPayload = int64(ip6.Length)
		}
		_ = dst
		if tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && ipPayload >= 0 {
			key := net.JoinHostPort(src.String(), strconv.Itoa(int(tcp.SrcPort)))
			f := s.flow(key)
			n := ipPayload - int64(tcp.DataOffset)*4
			if n < 0 {
				n = 0
			}
			if !s.tcpSeq(f, tcp, n) {
				f.payload += n // a retransmission carries no new data
			}
			switch {
			case tcp.SYN && !tcp.ACK && synAt == 0:
				synAt, synSrc = t, key
			case tcp.SYN && tcp.ACK && synAckAt == 0:
				synAckAt = t
			case tcp.ACK && !tcp.SYN && synAckAt != 0 && key == synSrc && s.HandshakeUsec == nil:
				d := t - synAt
				s.HandshakeUsec = &d
			}
			if (tcp.FIN || tcp.RST) && finAt == 0 {
				finAt = t
			}
		} else if udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			key := net.JoinHostPort(src.String(), strconv.Itoa(int(udp.SrcPort)))
			if int(udp.Length) >= 8 {
				s.flow(key).payload += int64(udp.Length) - 8
			}
		}
	}
	if finAt != 0 {
		d := lastAt - finAt
		s.TeardownUsec = &d
	}
	return s, nil
}

func (s *Stats) flow(key string) *flow {
	f := s.flows[key]
	if f == nil {
		f = &flow{}
		s.flows[key] = f
	}
	return f
}

// tcpSeq counts a segment as retransmitted when all of its data (or its
// SYN) had been sent before by the same side, and says so.
func (s *Stats) tcpSeq(f *flow, tcp *layers.TCP, n int64) bool {
	if tcp.SYN {
		f.syns++
		f.base, f.seen, f.maxEnd = tcp.Seq+1, true, 0
		if f.syns > 1 {
			s.Retransmits++
			return true
		}
		return false
	}
	if !f.seen {
		f.base, f.seen = tcp.Seq, true
	}
	if n == 0 {
		return false
	}
	start := int64(int32(tcp.Seq - f.base))
	end := start + n
	if end <= f.maxEnd {
		s.Retransmits++
		return true
	}
	f.maxEnd = end
	return false
}
