package cli

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
)

// collector is a local collection server that keeps every upload: its
// form fields and the archive's members (name → content).
type collector struct {
	*httptest.Server
	mu      sync.Mutex
	uploads []upload
	arrived chan struct{} // one value per request, as it starts
	hold    chan struct{} // when not nil, requests wait on it before answering
}

type upload struct {
	fields  map[string]string
	members map[string]string
}

func (u upload) names() []string {
	var out []string
	for name := range u.members {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func newCollector(t *testing.T, hold bool) *collector {
	c := &collector{arrived: make(chan struct{}, 16)}
	if hold {
		c.hold = make(chan struct{})
	}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.arrived <- struct{}{}
		if c.hold != nil {
			select {
			case <-c.hold:
			case <-r.Context().Done():
				return
			}
		}
		if r.URL.Path != "/app_traces" || r.ParseMultipartForm(32<<20) != nil {
			http.Error(w, "bad request", 400)
			return
		}
		u := upload{fields: map[string]string{}, members: map[string]string{}}
		for k, v := range r.MultipartForm.Value {
			u.fields[k] = v[0]
		}
		if f, _, err := r.FormFile("app_trace[archive]"); err == nil {
			gz, _ := gzip.NewReader(f)
			tr := tar.NewReader(gz)
			for h, err := tr.Next(); err == nil; h, err = tr.Next() {
				b, _ := io.ReadAll(tr)
				u.members[h.Name] = string(b)
			}
		}
		c.mu.Lock()
		c.uploads = append(c.uploads, u)
		c.mu.Unlock()
		w.Header().Set("Location", "/app_traces/1")
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(func() {
		if c.hold != nil {
			close(c.hold)
		}
		c.Close()
	})
	return c
}

func (c *collector) got() []upload {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]upload(nil), c.uploads...)
}
