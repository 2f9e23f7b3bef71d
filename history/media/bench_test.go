package media

import (
	"testing"
)

// BenchmarkProbe and BenchmarkProbeFFprobe read the same files, so their
// sub-benchmarks compare side by side.
func BenchmarkProbe(b *testing.B) {
	for _, tv := range testVideos {
		path := testdataPath(tv.file)
		b.Run(tv.file, func(b *testing.B) {
			for b.Loop() {
				if _, err := Probe(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProbeFFprobe(b *testing.B) {
	ffprobe := ffprobeBin()
	if ffprobe == "" {
		b.Skip("ffprobe not installed")
	}
	for _, tv := range testVideos {
		path := testdataPath(tv.file)
		b.Run(tv.file, func(b *testing.B) {
			for b.Loop() {
				if _, err := probeFFprobe(b.Context(), ffprobe, path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
