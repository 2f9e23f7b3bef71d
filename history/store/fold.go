package store

import (
	"sort"
	"strings"
)

// The history window decides in Go whether a changed task still matches
// the search, and the store decides it in SQL through the full-text index.
// Both must split and fold words the same way, so the Go side reads the
// same tables SQLite's unicode61 tokenizer (remove_diacritics 2) uses:
// fold_table.go is generated from SQLite itself by
// `go test -run TestWordFoldMatchesSQLite ./history/ -update-fold`.

// wordRune reports whether the full-text index keeps r inside a word;
// every other character separates words.
func wordRune(r rune) bool {
	if r < 0x80 {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	n := len(wordRanges) / 2
	i := sort.Search(n, func(i int) bool { return wordRanges[2*i+1] >= r })
	return i < n && wordRanges[2*i] <= r
}

// foldRune is what the full-text index stores for r: its lower case, with
// the diacritics of Latin letters removed; -1 when r is dropped (a
// combining mark).
func foldRune(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if f, ok := foldTable[r]; ok {
		return f
	}
	return r
}

// words splits text into words and folds each as the full-text index
// does. Words that fold to nothing are left out.
func words(text string) []string {
	var (
		out []string
		b   strings.Builder
	)
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range text {
		if !wordRune(r) {
			flush()
			continue
		}
		if f := foldRune(r); f >= 0 {
			b.WriteRune(f)
		}
	}
	flush()
	return out
}
