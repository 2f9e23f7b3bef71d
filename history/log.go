package history

import (
	"log/slog"

	"github.com/reelhouse/reelhouse/client"
)

// logger is opts.Log, or one that writes nothing.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// errAttr is err as a log attribute, without keys or signed URL queries.
func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.String("err", "")
	}
	return slog.String("err", client.RedactText(err.Error()))
}
