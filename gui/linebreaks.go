package gui

import (
	"encoding/json"
	"strings"
	"unicode"
)

// Fyne 2.7.1 wraps a line at its last space that fits; in a line with no
// space it breaks after whichever character fills the width. Chinese puts
// no spaces between words, so a line of Chinese breaks anywhere: inside a
// Latin word such as "Reelhouse", or between a number and its measure
// word ("12 | 个视频"), which was also where a space let it break. Fyne
// counts every Unicode space as a place to break, the no-break space
// (U+00A0) too, and nothing else, so markChineseBreaks marks the places
// in Reelhouse's Chinese sentences:
//   - a hair space (U+200A, under a pixel wide) before a Latin word or a
//     template field that follows Chinese, so that the line breaks before
//     the word rather than inside it; before the opening brackets or
//     quotes around the word, where there are some, since a line does not
//     end on one;
//   - a word joiner (U+2060, no width, and not a space to Fyne) instead
//     of the space between a number and its measure word, so that the two
//     stay on one line.
const (
	breakHere = '\u200a' // hair space
	noBreak   = '\u2060' // word joiner
)

// measureWords are the Chinese measure words and units a number is
// followed by.
const measureWords = "个秒次项条张段天位帧时分周月年倍份行列页字"

// chineseOpeners are marks a Chinese line does not end on.
const chineseOpeners = "（“‘《「『【〔"

// chineseClosers are marks a Chinese line may end on, and does not start
// with.
const chineseClosers = "）”’》」』】〕。，、：；！？…"

// isChineseText reports whether r is a Chinese character or mark.
func isChineseText(r rune) bool {
	return unicode.Is(unicode.Han, r) || strings.ContainsRune(chineseClosers, r) || (r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// markChineseBreaks marks in s, a Chinese sentence or a template of one,
// where a line may and may not break (see above).
func markChineseBreaks(s string) string {
	r := []rune(s)
	out := make([]rune, 0, len(r)+8)
	for i := 0; i < len(r); i++ {
		c := r[i]
		// A number (a digit, or a template field's end) and its measure word.
		if c == ' ' && i > 0 && i+1 < len(r) && strings.ContainsRune(measureWords, r[i+1]) &&
			(unicode.IsDigit(r[i-1]) || (r[i-1] == '}' && i > 1 && r[i-2] == '}')) {
			out = append(out, noBreak)
			continue
		}
		// A Latin word starts with a letter or a mark (".png"), or with a
		// digit where it has letters ("1080p"): a date's format
		// ("2006年1月2日") is left as it is.
		latin := c > ' ' && c < unicode.MaxASCII && (!unicode.IsDigit(c) || hasLetter(r[i:]))
		if latin && len(out) > 0 {
			prev := out[len(out)-1]
			switch {
			case isChineseText(prev):
				out = append(out, breakHere)
			case strings.ContainsRune(chineseOpeners, prev):
				j := len(out) - 1
				for j > 0 && strings.ContainsRune(chineseOpeners, out[j-1]) {
					j--
				}
				if j > 0 && !unicode.IsSpace(out[j-1]) {
					out = append(out[:j], append([]rune{breakHere}, out[j:]...)...)
				}
			}
		}
		if c == '{' && i+1 < len(r) && r[i+1] == '{' {
			// Copy the field whole: nothing is marked inside it.
			end := strings.Index(string(r[i:]), "}}")
			if end >= 0 {
				n := len([]rune(string(r[i:])[:end+2]))
				out = append(out, r[i:i+n]...)
				i += n - 1
				continue
			}
		}
		out = append(out, c)
		// After a Latin word, and the marks that close it, Chinese may
		// start a new line.
		if c > ' ' && c < unicode.MaxASCII && i+1 < len(r) {
			j := i + 1
			for j < len(r) && strings.ContainsRune(chineseClosers, r[j]) {
				j++
			}
			if j < len(r) && j > i+1 && (unicode.Is(unicode.Han, r[j]) || strings.ContainsRune(chineseOpeners, r[j])) {
				out = append(out, r[i+1:j]...)
				out = append(out, breakHere)
				i = j - 1
			}
		}
	}
	return string(out)
}

// markChineseBreaksJSON is markChineseBreaks over every text of a
// translation file.
func markChineseBreaksJSON(data []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			m[k] = markChineseBreaks(v)
		case map[string]any:
			for form, text := range v {
				if s, ok := text.(string); ok {
					v[form] = markChineseBreaks(s)
				}
			}
		}
	}
	return json.Marshal(m)
}

// hasLetter reports whether the Latin word at the start of r has a letter.
func hasLetter(r []rune) bool {
	for _, c := range r {
		if c <= ' ' || c >= unicode.MaxASCII {
			return false
		}
		if unicode.IsLetter(c) {
			return true
		}
	}
	return false
}
