// Package config reads and writes the user's tcpsnitch configuration file,
// $XDG_CONFIG_HOME/tcpsnitch/config.yaml (else ~/.config/tcpsnitch/config.yaml).
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Config is the whole file. Every key is optional.
type Config struct {
	Server   string   `yaml:"server,omitempty"`   // upload server base URL
	Device   string   `yaml:"device,omitempty"`   // default Android serial
	Defaults Defaults `yaml:"defaults,omitempty"` // default options
}

// Defaults are option values used when the flag is not given. Pointers tell
// "not set" (built-in default applies) from an explicit 0 or false. The keys
// are the long flag names.
type Defaults struct {
	TCPInfoBytes   *int  `yaml:"tcp-info-bytes,omitempty"`   // -b
	TCPInfoUsec    *int  `yaml:"tcp-info-usec,omitempty"`    // -u
	Capture        *bool `yaml:"capture,omitempty"`          // -c
	FileLogLevel   *int  `yaml:"file-log-level,omitempty"`   // -f
	StderrLogLevel *int  `yaml:"stderr-log-level,omitempty"` // -l
	WritePeriodMs  *int  `yaml:"write-period,omitempty"`     // -t
	Verbose        *bool `yaml:"verbose,omitempty"`          // -v
	NoUpload       *bool `yaml:"no-upload,omitempty"`        // -n
	Prompt         *bool `yaml:"prompt,omitempty"`           // -p
}

// Path is where the config file lives (it may not exist).
func Path() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "tcpsnitch", "config.yaml")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".config", "tcpsnitch", "config.yaml")
}

// Load reads the config file. A missing file is an empty config; a file
// that exists but cannot be parsed is an error naming the file, and so is
// an unknown key (most likely a typo the user wants to hear about).
func Load() (*Config, error) {
	path := Path()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return parse(path, data)
}

func parse(path string, data []byte) (*Config, error) {
	if err := checkKeys(path, data); err != nil {
		return nil, err
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytesReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, errEOF) {
		return nil, fmt.Errorf("config file %s: %s", path, oneLine(err.Error()))
	}
	return c, nil
}

// Save writes c to Path(), creating the directory if needed.
func Save(c *Config) error {
	path := Path()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("config directory: %w", err)
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
