//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package keychain

// usesSessionBus is false where go-keyring talks to the platform's own
// keychain without D-Bus.
const usesSessionBus = false

func sessionBusReachable() bool { return true }
