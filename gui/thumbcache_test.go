package gui

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writePicture writes a w×h PNG of one colour.
func writePicture(t *testing.T, path string, w, h int, c color.NRGBA) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func colourOf(img image.Image) color.NRGBA {
	if img == nil {
		return color.NRGBA{}
	}
	b := img.Bounds()
	return color.NRGBAModel.Convert(img.At(b.Min.X, b.Min.Y)).(color.NRGBA)
}

func newTestCache(limit int) (*thumbCache, *uiLoop) {
	loop := &uiLoop{}
	return newThumbCache(limit, func(f func()) { go f() }, loop.do), loop
}

// loadNow loads path through c and waits for it.
func loadNow(t *testing.T, c *thumbCache, loop *uiLoop, path string) image.Image {
	t.Helper()
	var (
		got  image.Image
		done bool
	)
	c.load(path, thumbRequest{live: func() bool { return true }, then: func(img image.Image) { got, done = img, true }})
	loop.until(t, "the picture "+filepath.Base(path), func() bool { return done })
	return got
}

var (
	red   = color.NRGBA{R: 0xff, A: 0xff}
	green = color.NRGBA{G: 0xff, A: 0xff}
	blue  = color.NRGBA{B: 0xff, A: 0xff}
)

func TestThumbCacheStaysWithinItsBytesAndDropsTheLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	paths := make([]string, 4)
	for i, c := range []color.NRGBA{red, green, blue, red} {
		paths[i] = filepath.Join(dir, string(rune('a'+i))+".png")
		writePicture(t, paths[i], 100, 50, c) // 20,000 bytes decoded
	}
	c, loop := newTestCache(2*100*50*4 + 100) // room for two
	loadNow(t, c, loop, paths[0])
	loadNow(t, c, loop, paths[1])
	if _, ok := c.get(paths[0]); !ok { // a is now the most recently used
		t.Fatal("a is not in the cache")
	}
	loadNow(t, c, loop, paths[2])
	if n, bytes := c.size(); n != 2 || bytes > 2*100*50*4+100 {
		t.Errorf("cache holds %d pictures, %d bytes; want 2 within the limit", n, bytes)
	}
	if _, ok := c.get(paths[1]); ok {
		t.Error("b, the least recently used, is still cached")
	}
	for _, p := range []string{paths[0], paths[2]} {
		if img, ok := c.get(p); !ok || img == nil {
			t.Errorf("%s was dropped", filepath.Base(p))
		}
	}
	for _, p := range paths {
		loadNow(t, c, loop, p)
	}
	if n, bytes := c.size(); n != 2 || bytes > 2*100*50*4+100 {
		t.Errorf("after more loads: %d pictures, %d bytes", n, bytes)
	}
}

func TestThumbCacheReadsAChangedFileAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.png")
	writePicture(t, path, 32, 18, red)
	c, loop := newTestCache(thumbCacheBytes)
	first := loadNow(t, c, loop, path)

	// Marked stale but unchanged on disk: the same decoded picture stays.
	c.markStale(path)
	if img, ok := c.get(path); ok || img != first {
		t.Fatalf("a stale entry must still offer its picture and ask for a reload (ok=%v)", ok)
	}
	if again := loadNow(t, c, loop, path); again != first {
		t.Error("an unchanged file was decoded again")
	}

	// Rewritten under the same name with another time: the new picture.
	writePicture(t, path, 32, 18, green)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	c.markStale(path)
	if got := colourOf(loadNow(t, c, loop, path)); got != green {
		t.Errorf("after the file changed the cache gives %v, want green", got)
	}
	if img, ok := c.get(path); !ok || colourOf(img) != green {
		t.Error("the new picture is not what the cache holds")
	}
}

func TestThumbCacheMissingFileIsAPlaceholderNotAnError(t *testing.T) {
	c, loop := newTestCache(thumbCacheBytes)
	if img := loadNow(t, c, loop, filepath.Join(t.TempDir(), "none.png")); img != nil {
		t.Error("a missing file gave a picture")
	}
}

// TestRecycledSlotNeverShowsTheWrongPicture binds a slot to one video,
// lets that picture load, and binds the slot to another video before the
// first picture reaches the UI goroutine, as a fast scroll does.
func TestRecycledSlotNeverShowsTheWrongPicture(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	writePicture(t, a, 64, 36, red)
	writePicture(t, b, 64, 36, blue)
	c, loop := newTestCache(thumbCacheBytes)
	slot := newThumbSlot(c, tilePictureSize)

	// Keep the first video wanted until its read is done, so that its
	// picture is on its way when the slot is recycled.
	slot.bind(1, a)
	if slot.pic.Image != nil {
		t.Fatal("a picture before any was loaded")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := c.get(a); ok {
			break // read and cached; its delivery waits on the loop
		}
		if time.Now().After(deadline) {
			t.Fatal("the first picture was never read")
		}
		time.Sleep(time.Millisecond)
	}
	slot.bind(2, b)
	if slot.pic.Image != nil {
		t.Fatal("a recycled slot must show the placeholder while its picture loads")
	}
	loop.until(t, "the second picture", func() bool {
		if slot.pic.Image != nil && colourOf(slot.pic.Image) != blue {
			t.Fatalf("the slot bound to video 2 shows %v, want its own blue picture", colourOf(slot.pic.Image))
		}
		return slot.pic.Image != nil
	})

	// Bound back to video 1: its cached picture shows at once.
	slot.bind(1, a)
	if got := colourOf(slot.pic.Image); got != red {
		t.Errorf("back on video 1 the slot shows %v, want red", got)
	}
	loop.pump()
	if got := colourOf(slot.pic.Image); got != red {
		t.Errorf("a late delivery replaced video 1's picture with %v", got)
	}
}
