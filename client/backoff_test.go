package client

import (
	"fmt"
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	limited := &APIError{StatusCode: 429, RetryAfter: 5 * time.Second}
	tests := []struct {
		name string
		b    Backoff
		n    int
		err  error
		want time.Duration // the wait before the spread of up to a tenth
	}{
		{"no failure yet", Backoff{Base: time.Second, Max: time.Minute}, 0, nil, time.Second},
		{"first failure", Backoff{Base: time.Second, Max: time.Minute}, 1, nil, time.Second},
		{"doubles", Backoff{Base: time.Second, Max: time.Minute}, 4, nil, 8 * time.Second},
		{"capped", Backoff{Base: time.Second, Max: 10 * time.Second}, 30, nil, 10 * time.Second},
		{"base above the cap stays", Backoff{Base: time.Minute, Max: 30 * time.Second}, 3, nil, time.Minute},
		{"Retry-After when longer", Backoff{Base: time.Second, Max: time.Minute}, 1, limited, 5 * time.Second},
		{"Retry-After when shorter", Backoff{Base: time.Second, Max: time.Minute}, 5, limited, 16 * time.Second},
		{"Retry-After above the cap", Backoff{Base: time.Second, Max: 2 * time.Second}, 9, fmt.Errorf("task: %w", limited), 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 50 {
				if d := tt.b.Delay(tt.n, tt.err); d < tt.want || d > tt.want+tt.want/10 {
					t.Fatalf("Delay(%d) = %v, want within [%v, %v]", tt.n, d, tt.want, tt.want+tt.want/10)
				}
			}
		})
	}
}
