package importer

import (
	"regexp"
	"strconv"
	"strings"
)

// What a member is, by its name relative to the trace root.
type memberRole int

const (
	roleIgnored memberRole = iota
	roleMeta               // meta/<name>
	roleEvents             // <app>_NNN/<N>.json
	rolePcap               // <app>_NNN/<N>.pcap
	roleLogs               // <app>_NNN/logs.txt
)

var (
	processDirRe = regexp.MustCompile(`^(.+)_([0-9]{3,})$`)
	socketFileRe = regexp.MustCompile(`^([0-9]{1,9})\.(json|pcap)$`)
	metaNameRe   = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
)

type role struct {
	kind    memberRole
	process string // "curl_000"
	app     string
	seq     int
	socket  int
	file    string // base name
}

// classify names what a member is once root (""/"dir/") is taken off.
func classify(name, root string) role {
	rel, ok := strings.CutPrefix(name, root)
	if !ok {
		return role{}
	}
	dir, file, ok := strings.Cut(rel, "/")
	if !ok || strings.Contains(file, "/") {
		return role{}
	}
	if dir == "meta" {
		if metaNameRe.MatchString(file) {
			return role{kind: roleMeta, file: file}
		}
		return role{}
	}
	m := processDirRe.FindStringSubmatch(dir)
	if m == nil {
		return role{}
	}
	seq, _ := strconv.Atoi(m[2])
	r := role{process: dir, app: m[1], seq: seq, file: file}
	if file == "logs.txt" {
		r.kind = roleLogs
		return r
	}
	sm := socketFileRe.FindStringSubmatch(file)
	if sm == nil {
		return role{}
	}
	r.socket, _ = strconv.Atoi(sm[1])
	if sm[2] == "json" {
		r.kind = roleEvents
	} else {
		r.kind = rolePcap
	}
	return r
}
