package media

import (
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"time"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Placeholder holds the details drawn on a thumbnail when no frame of the
// video can be taken, so that videos can still be told apart.
type Placeholder struct {
	Model string
	Date  time.Time
	Title string
}

// The placeholder has the 16:9 shape most generated videos have.
const (
	placeholderWidth  = thumbnailWidth
	placeholderHeight = 180
	// placeholderMargin is the space left of the text.
	placeholderMargin = 12
	// bandTop is where the darker band holding the title and date starts.
	bandTop = 134
)

// PlaceholderPNG writes the 320×180 picture that stands for a video when no
// frame of it can be taken. Its colour comes from the model and date, so
// videos next to each other in the history look different, and it shows the
// model, the title and the date as text.
func PlaceholderPNG(w io.Writer, p Placeholder) error {
	return png.Encode(w, placeholderImage(p))
}

func placeholderImage(p Placeholder) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, placeholderWidth, placeholderHeight))
	bg := placeholderColor(p)

	// A soft top-to-bottom fall of light keeps a flat colour from looking broken.
	for y := range placeholderHeight {
		c := shade(bg, 1.15-0.3*float64(y)/placeholderHeight)
		if y >= bandTop {
			c = shade(c, 0.65)
		}
		for x := range placeholderWidth {
			img.SetRGBA(x, y, c)
		}
	}

	drawPlayGlyph(img, image.Pt(placeholderWidth/2, 84), 27)

	model := p.Model
	if model == "" {
		model = "Unknown model"
	}
	face := basicfont.Face7x13
	drawText(img, fitText(model, (placeholderWidth-2*placeholderMargin)/(2*face.Advance)),
		placeholderMargin, 10, 2)
	lineWidth := (placeholderWidth - 2*placeholderMargin) / face.Advance
	drawText(img, fitText(p.Title, lineWidth), placeholderMargin, bandTop+7, 1)
	if !p.Date.IsZero() {
		drawText(img, p.Date.Format("2006-01-02 15:04"), placeholderMargin, bandTop+25, 1)
	}
	return img
}

// placeholderColor picks a background from a hash of the model and the date,
// dark enough for white text.
func placeholderColor(p Placeholder) color.RGBA {
	h := fnv.New64a()
	h.Write([]byte(p.Model))
	h.Write([]byte{0})
	h.Write([]byte(p.Date.UTC().Format(time.RFC3339Nano)))
	sum := h.Sum64()
	hue := float64(sum % 360)
	sat := 0.50 + float64(sum>>20%25)/100
	val := 0.42 + float64(sum>>40%16)/100
	return hsv(hue, sat, val)
}

// hsv converts a hue in degrees, a saturation and a value in [0, 1] to RGB.
func hsv(h, s, v float64) color.RGBA {
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return color.RGBA{R: to8(r + m), G: to8(g + m), B: to8(b + m), A: 0xFF}
}

func to8(f float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, f)) * 255)) }

// shade scales a colour's brightness by k, clamping at white.
func shade(c color.RGBA, k float64) color.RGBA {
	return color.RGBA{
		R: to8(float64(c.R) / 255 * k),
		G: to8(float64(c.G) / 255 * k),
		B: to8(float64(c.B) / 255 * k),
		A: c.A,
	}
}

// blend mixes c into the pixel at (x, y) with the given opacity.
func blend(img *image.RGBA, x, y int, c color.RGBA, alpha float64) {
	old := img.RGBAAt(x, y)
	mix := func(a, b uint8) uint8 { return to8((float64(a)*(1-alpha) + float64(b)*alpha) / 255) }
	img.SetRGBA(x, y, color.RGBA{R: mix(old.R, c.R), G: mix(old.G, c.G), B: mix(old.B, c.B), A: 0xFF})
}

// drawPlayGlyph draws a dark disc of radius r at centre with a white
// triangle pointing right, smoothing the edges by sampling each pixel 4×4 times.
func drawPlayGlyph(img *image.RGBA, centre image.Point, r int) {
	cx, cy, rf := float64(centre.X), float64(centre.Y), float64(r)
	inDisc := func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= rf*rf }
	// The triangle's centroid sits on the disc's centre so it looks centred.
	ax, ay := cx-0.40*rf, cy-0.55*rf
	bx, by := cx-0.40*rf, cy+0.55*rf
	tx, ty := cx+0.70*rf, cy
	edge := func(x0, y0, x1, y1, x, y float64) float64 { return (x1-x0)*(y-y0) - (y1-y0)*(x-x0) }
	inTriangle := func(x, y float64) bool {
		e0 := edge(ax, ay, tx, ty, x, y)
		e1 := edge(tx, ty, bx, by, x, y)
		e2 := edge(bx, by, ax, ay, x, y)
		return (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0)
	}
	const n = 4
	black := color.RGBA{A: 0xFF}
	white := color.RGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	for y := centre.Y - r - 1; y <= centre.Y+r+1; y++ {
		for x := centre.X - r - 1; x <= centre.X+r+1; x++ {
			var disc, tri int
			for sy := range n {
				for sx := range n {
					px := float64(x) + (float64(sx)+0.5)/n
					py := float64(y) + (float64(sy)+0.5)/n
					if inDisc(px, py) {
						disc++
					}
					if inTriangle(px, py) {
						tri++
					}
				}
			}
			if disc > 0 {
				blend(img, x, y, black, 0.35*float64(disc)/(n*n))
			}
			if tri > 0 {
				blend(img, x, y, white, 0.92*float64(tri)/(n*n))
			}
		}
	}
}

// drawText draws s in white with its top-left corner at (x, y), each font
// pixel scale×scale screen pixels.
func drawText(img *image.RGBA, s string, x, y, scale int) {
	if s == "" {
		return
	}
	face := basicfont.Face7x13
	w := utf8.RuneCountInString(s) * face.Advance
	h := face.Ascent + face.Descent
	text := image.NewRGBA(image.Rect(0, 0, w, h))
	d := font.Drawer{
		Dst:  text,
		Src:  image.White,
		Face: face,
		Dot:  fixed.P(0, face.Ascent),
	}
	d.DrawString(s)
	dst := image.Rect(x, y, x+w*scale, y+h*scale)
	xdraw.NearestNeighbor.Scale(img, dst, text, text.Bounds(), xdraw.Over, nil)
}

// fitText makes s safe to draw in at most n characters of the font, which
// has ASCII only: accented Latin letters lose their accents, typographic
// punctuation becomes its plain form, other characters become "?", control
// characters become spaces, and a longer text is cut with "...".
func fitText(s string, n int) string {
	runes := make([]rune, 0, len(s))
	for _, r := range s {
		runes = append(runes, toASCII(r))
	}
	if len(runes) > n {
		runes = append(runes[:max(n-3, 0)], []rune("...")...)
	}
	return string(runes)
}

// latin1Letters holds, for U+00C0 to U+00FF, the ASCII letter each looks most like.
const latin1Letters = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYPsaaaaaaaceeeeiiiidnooooo/ouuuuypy"

func toASCII(r rune) rune {
	switch {
	case r < 0x20 || r == 0x7F:
		return ' '
	case r < 0x7F:
		return r
	case r >= 0xC0 && r <= 0xFF:
		return rune(latin1Letters[r-0xC0])
	}
	switch r {
	case '\u2018', '\u2019', '\u201A', '\u2032':
		return '\''
	case '\u201C', '\u201D', '\u201E', '\u2033':
		return '"'
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
		return '-'
	case '\u00A0', '\u2002', '\u2003', '\u2009', '\u202F':
		return ' '
	case '\u2026':
		return '.'
	}
	if r < 0xA0 { // C1 control characters
		return ' '
	}
	return '?'
}
