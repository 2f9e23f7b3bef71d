package library

import (
	"bytes"
	"testing"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

func FuzzDecodeSidecar(f *testing.F) {
	good, _ := encodeSidecar(NewSidecar(store.Record{TaskID: "abc", State: store.StateSuccess, Request: client.CreateRequest{Model: "m", Prompt: "p"}},
		store.File{Index: 0, Path: "2026/01/a.mp4", Size: 10, SHA256: "ab"}))
	f.Add(good)
	f.Add([]byte(`{"format":"reelhouse-sidecar","version":1,"task_id":"x","file":{"index":-1}}`))
	f.Add([]byte(`{not json`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := DecodeSidecar(bytes.NewReader(data))
		if err != nil {
			return
		}
		if sc.TaskID == "" || sc.File.Index < 0 || sc.Format != sidecarFormat {
			t.Fatalf("accepted an invalid sidecar: %+v", sc)
		}
		// What was accepted survives a round trip.
		again, err := encodeSidecar(sc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeSidecar(bytes.NewReader(again)); err != nil {
			t.Fatalf("re-encoded sidecar refused: %v", err)
		}
	})
}
