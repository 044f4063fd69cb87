package testutil

import (
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps what CheckFloors says.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Helper()               {}
func (r *recorder) Logf(string, ...any)   {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }

func TestCheckFloors(t *testing.T) {
	tests := []struct {
		name   string
		floors []Floor
		ok     bool
	}{
		{"all held", []Floor{{"a", 0.9, 0.8}, {"b", 0.5, 0.5}}, true},
		{"one under", []Floor{{"a", 0.9, 0.8}, {"b", 0.4, 0.5}}, false},
		{"NaN fails", []Floor{{"a", zero / zero, 0.1}}, false},
	}
	for _, tt := range tests {
		r := &recorder{TB: t}
		if got := CheckFloors(r, tt.name, tt.floors...); got != tt.ok || (r.errors == 0) != tt.ok {
			t.Errorf("%s: CheckFloors = %v with %d errors, want %v", tt.name, got, r.errors, tt.ok)
		}
	}
}

var zero float64

func TestClockAndBuffer(t *testing.T) {
	c := NewClock(Start)
	var buf SyncBuffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c.Advance(time.Second)
			buf.Write([]byte("x"))
		})
	}
	wg.Wait()
	if got := c.Now().Sub(Start); got != 4*time.Second {
		t.Errorf("clock moved %v, want 4s", got)
	}
	if buf.String() != "xxxx" {
		t.Errorf("buffer holds %q", buf.String())
	}
}
