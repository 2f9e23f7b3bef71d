package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// profileEnv names a loopback address (e.g. 127.0.0.1:6060) on which
// Reelhouse serves Go's profiles while it runs, for measuring it:
//
//	REELHOUSE_PPROF=127.0.0.1:6060 reelhouse &
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/heap
//	go tool pprof -top 'http://127.0.0.1:6060/debug/pprof/profile?seconds=60'
//
// Unset (as for every user), nothing is served.
const profileEnv = "REELHOUSE_PPROF"

// serveProfiles serves the profiles when profileEnv asks for them, on a
// loopback address only.
func serveProfiles() {
	addr := os.Getenv(profileEnv)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go http.ListenAndServe(addr, mux) //nolint:errcheck // a measuring aid: no address, no profiles
}
