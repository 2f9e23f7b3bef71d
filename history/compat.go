package history

// The names gui and package main knew before the library folder moved to
// package library, kept until they follow it.

import (
	"context"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

type (
	// Library is library.Library.
	Library = library.Library
	// Folder is library.Folder.
	Folder = library.Folder
	// LibraryReport is library.Report.
	LibraryReport = library.Report
	// Sidecar is library.Sidecar.
	Sidecar = library.Sidecar
)

// The functions that moved.
var (
	NewLibrary        = library.New
	OpenFolder        = library.OpenFolder
	DefaultLibraryDir = library.DefaultDir
	MigrateRefImages  = library.MigrateRefImages
	SidecarPath       = library.SidecarPath
	NewSidecar        = library.NewSidecar
	ReadSidecar       = library.ReadSidecar
	WriteSidecar      = library.WriteSidecar
)

// StripPath is library.Library.StripPath.
func (t *Tracker) StripPath(f store.File) string { return t.lib.StripPath(f) }

// ThumbnailPath is library.Library.ThumbnailPath.
func (t *Tracker) ThumbnailPath(f store.File) string { return t.lib.ThumbnailPath(f) }

// EnsureStrip is library.Library.EnsureStrip.
func (t *Tracker) EnsureStrip(ctx context.Context, f store.File) (string, error) {
	return t.lib.EnsureStrip(ctx, f)
}
