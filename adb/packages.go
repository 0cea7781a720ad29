package adb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// PackageNotFoundError: no installed package matches the query.
type PackageNotFoundError struct{ Query string }

func (e *PackageNotFoundError) Error() string {
	return fmt.Sprintf("no installed package matches %q (list them with `adb shell pm list packages`)", e.Query)
}

// AmbiguousPackageError: several packages contain the query and none is it.
type AmbiguousPackageError struct {
	Query   string
	Matches []string
}

func (e *AmbiguousPackageError) Error() string {
	return fmt.Sprintf("%q matches %d packages, give the full name: %s", e.Query, len(e.Matches), strings.Join(e.Matches, ", "))
}

// FindPackage resolves a package name or part of one, like the original
// tcpsnitch: the exact name if installed, else the only package whose name
// contains query; several candidates are an *AmbiguousPackageError.
func FindPackage(sh Sheller, query string) (string, error) {
	if query == "" {
		return "", fmt.Errorf("empty package name")
	}
	out, err := Run(sh, "pm", "list", "packages")
	if err != nil {
		return "", fmt.Errorf("listing packages: %w", err)
	}
	return matchPackage(parsePackageList(out), query)
}

// FindPackageAnyUser is FindPackage over the packages of every user
// (`pm list packages -u`: with those user 0 lacks but another user, a work
// profile, has). PackageInfo.Users says which users have it.
func FindPackageAnyUser(sh Sheller, query string) (string, error) {
	out, err := Run(sh, "pm", "list", "packages", "-u")
	if err != nil {
		return "", fmt.Errorf("listing packages: %w", err)
	}
	return matchPackage(parsePackageList(out), query)
}

func parsePackageList(out string) []string {
	var pkgs []string
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "package:"); ok && name != "" {
			pkgs = append(pkgs, name)
		}
	}
	return pkgs
}

func matchPackage(pkgs []string, query string) (string, error) {
	var matches []string
	for _, p := range pkgs {
		if p == query {
			return p, nil
		}
		if strings.Contains(p, query) {
			matches = append(matches, p)
		}
	}
	switch len(matches) {
	case 0:
		return "", &PackageNotFoundError{Query: query}
	case 1:
		return matches[0], nil
	}
	sort.Strings(matches)
	return "", &AmbiguousPackageError{Query: query, Matches: matches}
}

// PackageInfo is what `dumpsys package <pkg>` says about an installed app.
type PackageInfo struct {
	Name         string
	UID          int    // userId / appId: the app's Linux uid (user 0)
	VersionName  string // "" when the app has none
	PrimaryABI   string // "" when dumpsys says null (no native code)
	SecondaryABI string
	DataDir      string // "/data/user/0/<pkg>" on recent versions
	Debuggable   bool
	// Signature is the hash dumpsys prints for the signing certificate
	// (PackageSignatures{… [hash]}): the same certificate, the same hash.
	Signature string
	// Users the package is installed for ("User N: … installed=true"
	// lines, Android 4.2 on): 0 is the owner, 10 and above a work profile
	// or another user. Empty when dumpsys has no such lines.
	Users []int
}

// Package reads the facts tcpsnitch needs about one installed package.
func Package(sh Sheller, name string) (PackageInfo, error) {
	out, err := Run(sh, "dumpsys", "package", name)
	if err != nil {
		return PackageInfo{}, fmt.Errorf("dumpsys package %s: %w", name, err)
	}
	return parseDumpsysPackage(out, name)
}

// parseDumpsysPackage reads the "Package [<name>] (…):" block of
// `dumpsys package <name>`; the first value of each key wins (a system app
// updated by the user is listed again under "Hidden system packages").
func parseDumpsysPackage(out, name string) (PackageInfo, error) {
	info := PackageInfo{Name: name, UID: -1}
	header := "Package [" + name + "]"
	in, seen := false, map[string]bool{}
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "Package [") {
			if in {
				break
			}
			in = strings.HasPrefix(t, header)
			continue
		}
		if !in {
			continue
		}
		if user, ok := parseUserState(t); ok {
			if user >= 0 {
				info.Users = append(info.Users, user)
			}
			continue
		}
		for _, field := range strings.Fields(t) {
			key, value, ok := strings.Cut(field, "=")
			if !ok || seen[key] {
				continue
			}
			switch key {
			case "userId", "appId":
				if uid, err := strconv.Atoi(value); err == nil {
					info.UID, seen["userId"], seen["appId"] = uid, true, true
				}
			case "versionName":
				// versionName may contain spaces: take the rest of the line.
				info.VersionName = strings.TrimSpace(t[strings.Index(t, "versionName=")+len("versionName="):])
			case "primaryCpuAbi":
				info.PrimaryABI = nullable(value)
			case "secondaryCpuAbi":
				info.SecondaryABI = nullable(value)
			case "dataDir":
				info.DataDir = value
			}
			seen[key] = true
		}
		if rest, ok := strings.CutPrefix(t, "signatures=PackageSignatures{"); ok && info.Signature == "" {
			info.Signature = parseSignature(rest)
		}
		if strings.HasPrefix(t, "flags=[") || strings.HasPrefix(t, "pkgFlags=[") {
			if strings.Contains(t, " DEBUGGABLE ") {
				info.Debuggable = true
			}
		}
	}
	if !seen["userId"] {
		return info, fmt.Errorf("dumpsys package %s: no uid in its output (is it installed?)", name)
	}
	return info, nil
}

// parseUserState reads a "User 10: ceDataInode=… installed=true …" line:
// ok when it is one, user -1 when the package is not installed for it.
func parseUserState(line string) (user int, ok bool) {
	rest, found := strings.CutPrefix(line, "User ")
	if !found {
		return 0, false
	}
	num, states, found := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if !found || err != nil {
		return 0, false
	}
	for _, f := range strings.Fields(states) {
		if f == "installed=true" {
			return n, true
		}
	}
	return -1, true
}

// parseSignature reads the certificate hash of a PackageSignatures dump:
// `7b8a5f1 version:3, signatures:[3d5e8f1b], past signatures:[]}` (API 28
// on) or `41fcd3a8 [41fcd4c0]}` (before).
func parseSignature(s string) string {
	if _, rest, ok := strings.Cut(s, "signatures:["); ok {
		s = rest
	} else if _, rest, ok := strings.Cut(s, "["); ok {
		s = rest
	} else {
		return ""
	}
	sig, _, _ := strings.Cut(s, "]")
	return sig
}

func nullable(v string) string {
	if v == "null" {
		return ""
	}
	return v
}
