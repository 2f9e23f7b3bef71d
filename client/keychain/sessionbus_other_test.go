//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keychain

import "testing"

func testNoSessionBus(t *testing.T) { t.Skip("this platform's keychain needs no D-Bus") }
