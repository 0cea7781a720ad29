package tracefile

import (
	"path/filepath"
	"testing"
)

func TestDNSMapsConnectedAddressToName(t *testing.T) {
	dir := t.TempDir()
	proc := filepath.Join(dir, "curl_000")
	// Two lookups give 10.0.0.1 (the later one wins for a later connect),
	// a failed one gives nothing, a reverse lookup names 10.0.0.9.
	write(t, filepath.Join(proc, "dns.json"),
		`{"type":"getaddrinfo","timestamp_usec":100,"duration_nsec":5,"return_value":0,"success":true,"thread_id":7,"fake_call":false,"details":{"name":"old.example","addresses":[{"sa_family":"AF_INET","ip":"10.0.0.1","port":"0","type":"SOCK_STREAM","protocol":"tcp"}]}}
{"type":"getaddrinfo","timestamp_usec":200,"duration_nsec":5,"return_value":-2,"success":false,"errno":"EAI_NONAME","thread_id":7,"fake_call":false,"details":{"name":"nope.example","addresses":[]}}
{"type":"gethostbyname","timestamp_usec":300,"duration_nsec":5,"return_value":1,"success":true,"thread_id":7,"fake_call":false,"details":{"name":"new.example","addresses":[{"sa_family":"AF_INET","ip":"10.0.0.1"}],"canonname":"new.example"}}
{"type":"getnameinfo","timestamp_usec":400,"duration_nsec":5,"return_value":0,"success":true,"thread_id":7,"fake_call":false,"details":{"addr":{"sa_family":"AF_INET","ip":"10.0.0.9","port":"80"},"host":"rev.example"}}
`)
	write(t, filepath.Join(proc, "0.json"),
		`{"type":"connect","timestamp_usec":350,"return_value":0,"success":true,"thread_id":7,"fake_call":false,"details":{"addr":{"sa_family":"AF_INET","ip":"10.0.0.1","port":"443"}}}
`)
	tr, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Processes[0]
	if len(p.DNS) != 4 {
		t.Fatalf("%d dns events, want 4", len(p.DNS))
	}
	if n, ok := p.PeerName(p.Socket(0)); !ok || n != "new.example" {
		t.Errorf("PeerName = %q, %v; want new.example", n, ok)
	}
	if n, ok := p.NameOf("10.0.0.1", 150); !ok || n != "old.example" {
		t.Errorf("NameOf at 150 = %q, %v; want old.example", n, ok)
	}
	if _, ok := p.NameOf("10.0.0.1", 50); ok {
		t.Errorf("NameOf before any lookup found a name")
	}
	if n, ok := p.NameOf("::ffff:10.0.0.1", 350); !ok || n != "new.example" {
		t.Errorf("NameOf(IPv4-mapped) = %q, %v; want new.example", n, ok)
	}
	if n, ok := p.NameOf("10.0.0.9", 500); !ok || n != "rev.example" {
		t.Errorf("reverse NameOf = %q, %v", n, ok)
	}
}

func TestDNSAbsentAndBroken(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a_000", "0.json"), socketLine+"\n")
	tr, err := Open(dir)
	if err != nil || tr.Processes[0].DNS != nil {
		t.Fatalf("no dns.json: err %v, DNS %v", err, tr.Processes[0].DNS)
	}
	write(t, filepath.Join(dir, "a_000", "dns.json"), "{\"type\": \"getaddrinfo\"\n")
	if _, err := Open(dir); err == nil {
		t.Fatal("a truncated dns.json was accepted")
	}
}
