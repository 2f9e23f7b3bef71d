package gui

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// chineseFontFile is where Linux systems keep Droid Sans Fallback, the
// font Reelhouse draws Chinese with (Debian's and Ubuntu's package
// fonts-droid-fallback, which `make run` installs).
//
// Fyne draws a character with the theme's font when it has the glyph,
// then with its own Noto Sans, and only then asks the system for any
// font that has it, and that answer changes with what is installed: a
// Japanese font, or another Chinese one. Droid Sans Fallback has the
// Chinese glyphs and none of the Latin ones, so as the theme's font it
// draws every Chinese character the same way on every machine while
// Latin letters stay in Noto Sans.
var chineseFontFile = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// chineseFont is the font file Reelhouse draws Chinese with, read once;
// nil where it is not installed (Fyne's own choice applies then).
var chineseFont = sync.OnceValue(func() fyne.Resource {
	data, err := os.ReadFile(chineseFontFile)
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource("DroidSansFallbackFull.ttf", data)
})

// speaksChinese reports whether the windows speak Chinese, chosen in
// Settings or followed from the system's language (see UseLanguage).
func speaksChinese() bool {
	languageMu.Lock()
	defer languageMu.Unlock()
	return chineseInUse
}

// isChinese reports whether language (a Language constant) is Chinese,
// the system's language being read from the locale environment.
func isChinese(language string) bool {
	switch language {
	case LanguageChinese:
		return true
	case LanguageEnglish:
		return false
	}
	return strings.HasPrefix(lang.SystemLocale().LanguageString(), "zh")
}

// chineseBoldFontFile holds the bold Chinese font: Droid Sans Fallback
// has no bold, so without it bold Chinese labels look like the others.
// It is Noto Sans CJK Bold (Debian's and Ubuntu's fonts-noto-cjk, which
// `make run` installs), a collection of faces for several languages; the
// Simplified Chinese one is taken out of it.
var chineseBoldFontFile = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

// chineseBoldFont is the bold Chinese font, read once, when bold Chinese
// is first drawn; nil where it is not installed or cannot be read (bold
// Chinese is drawn as the rest then).
var chineseBoldFont = sync.OnceValue(func() fyne.Resource {
	data, err := os.ReadFile(chineseBoldFontFile)
	if err != nil {
		return nil
	}
	face, err := collectionFace(data, "SC")
	if err != nil {
		fyne.LogError("reading the bold Chinese font "+chineseBoldFontFile, err)
		return nil
	}
	return fyne.NewStaticResource("NotoSansCJKsc-Bold.otf", face)
})

// chineseTheme is a theme that draws text with the Chinese font before
// its own fonts (see chineseFontFile), and bold text with the bold
// Chinese font where there is one.
type chineseTheme struct {
	fyne.Theme
	font fyne.Resource
	bold func() fyne.Resource
}

func (t chineseTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return t.Theme.Font(s)
	}
	if s.Bold && t.bold != nil {
		if bold := t.bold(); bold != nil {
			return bold
		}
	}
	return t.font
}

// collectionFace is the face of a font collection (.ttc) whose family
// name ends in suffix ("Noto Sans CJK SC"), as a font file of its own:
// Fyne reads single fonts only. Its tables are copied as they are.
func collectionFace(ttc []byte, suffix string) ([]byte, error) {
	be := binary.BigEndian
	if len(ttc) < 12 || string(ttc[:4]) != "ttcf" {
		return nil, errors.New("not a font collection")
	}
	count := int(be.Uint32(ttc[8:]))
	for i := range count {
		at := 12 + 4*i
		if at+4 > len(ttc) {
			break
		}
		start := int(be.Uint32(ttc[at:]))
		tables, err := fontTables(ttc, start)
		if err != nil {
			return nil, err
		}
		name, ok := tables["name"]
		if !ok || !strings.HasSuffix(fontFamily(name), " "+suffix) {
			continue
		}
		return fontFile(ttc[start:start+4], tables), nil
	}
	return nil, fmt.Errorf("no face whose family ends in %q", suffix)
}

// fontTables are the tables of the font whose table directory starts at
// start in data, by tag.
func fontTables(data []byte, start int) (map[string][]byte, error) {
	be := binary.BigEndian
	if start < 0 || start+12 > len(data) {
		return nil, errors.New("the font's table directory is out of the file")
	}
	n := int(be.Uint16(data[start+4:]))
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := start + 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("the font's table directory is cut short")
		}
		off, length := int(be.Uint32(data[rec+8:])), int(be.Uint32(data[rec+12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, errors.New("a font table is out of the file")
		}
		tables[string(data[rec:rec+4])] = data[off : off+length]
	}
	return tables, nil
}

// fontFamily is the family name (name id 1) in a font's name table, from
// its Windows Unicode record.
func fontFamily(name []byte) string {
	be := binary.BigEndian
	if len(name) < 6 {
		return ""
	}
	count, strings := int(be.Uint16(name[2:])), int(be.Uint16(name[4:]))
	for i := range count {
		rec := 6 + 12*i
		if rec+12 > len(name) {
			break
		}
		platform, id := be.Uint16(name[rec:]), be.Uint16(name[rec+6:])
		length, off := int(be.Uint16(name[rec+8:])), int(be.Uint16(name[rec+10:]))
		if platform != 3 || id != 1 || strings+off+length > len(name) {
			continue
		}
		raw := name[strings+off : strings+off+length]
		u := make([]uint16, len(raw)/2)
		for j := range u {
			u[j] = be.Uint16(raw[2*j:])
		}
		return string(utf16.Decode(u))
	}
	return ""
}

// fontFile lays tables out as a font file of their own, after the sfnt
// version.
func fontFile(version []byte, tables map[string][]byte) []byte {
	be := binary.BigEndian
	tags := slices.Sorted(maps.Keys(tables))
	n := len(tags)
	search := 1
	for search*2 <= n {
		search *= 2
	}
	header := 12 + 16*n
	out := make([]byte, header, header+len(tables)*4)
	copy(out, version)
	be.PutUint16(out[4:], uint16(n))
	be.PutUint16(out[6:], uint16(search*16))
	be.PutUint16(out[8:], uint16(bits.Len(uint(search))-1))
	be.PutUint16(out[10:], uint16(n*16-search*16))
	for i, tag := range tags {
		t := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		be.PutUint32(rec[4:], tableChecksum(t))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(t)))
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// tableChecksum is a font table's checksum: the sum of its 32-bit words.
func tableChecksum(t []byte) uint32 {
	var sum uint32
	for i := 0; i < len(t); i += 4 {
		var w [4]byte
		copy(w[:], t[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// useChineseFont makes a's theme draw Chinese with the Chinese font when
// the windows speak Chinese and the font is installed.
func useChineseFont(a fyne.App) {
	if !speaksChinese() {
		return
	}
	font := chineseFont()
	if font == nil {
		fyne.LogError("Chinese is drawn with the system's fonts: "+chineseFontFile+" is not installed (fonts-droid-fallback)", os.ErrNotExist)
		return
	}
	if _, done := a.Settings().Theme().(chineseTheme); done {
		return
	}
	a.Settings().SetTheme(chineseTheme{Theme: a.Settings().Theme(), font: font, bold: chineseBoldFont})
}
