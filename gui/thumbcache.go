package gui

import (
	"container/list"
	"image"
	_ "image/jpeg" // filmstrips are JPEG
	_ "image/png"  // thumbnails are PNG
	"os"
	"sync"
	"time"
)

// thumbCacheBytes bounds the decoded pictures the library keeps in memory:
// 48 MiB of pixels, about 210 thumbnails of 320×180 (225 KiB each as RGBA),
// or several screens of the grid, whatever the number of videos.
const thumbCacheBytes = 48 << 20

// thumbLoaders is how many pictures are read and decoded at once, off the
// UI goroutine.
const thumbLoaders = 2

// thumbCache holds decoded thumbnails and filmstrips, least recently used
// first out once over its byte limit. An entry belongs to a path and the
// modification time the file had when it was read: an entry marked stale
// is read again only when the file's time changed. Methods are safe from
// any goroutine; pictures reach their requester on the UI goroutine.
type thumbCache struct {
	limit int
	// spawn runs a loader in the background; deliver runs a function on
	// the UI goroutine.
	spawn, deliver func(func())

	mu      sync.Mutex
	used    int
	order   *list.List               // of *thumbEntry, most recently used first
	entries map[string]*list.Element // by path
	queue   []string                 // paths to read, the newest asked last
	waiting map[string][]thumbRequest
	loaders int
}

type thumbEntry struct {
	path  string
	mtime time.Time
	img   image.Image // nil: the file could not be read
	size  int
	stale bool
}

// thumbRequest is one wish for a picture: live reports (from any
// goroutine) whether the requester still wants it, then gets it on the UI
// goroutine (nil when it could not be read).
type thumbRequest struct {
	live func() bool
	then func(image.Image)
}

func newThumbCache(limit int, spawn, deliver func(func())) *thumbCache {
	return &thumbCache{
		limit: limit, spawn: spawn, deliver: deliver,
		order: list.New(), entries: make(map[string]*list.Element), waiting: make(map[string][]thumbRequest),
	}
}

// get returns the picture at path if it is in memory, without touching
// the disk: ok is false when it must be (re)loaded; img may still be an
// older picture worth showing meanwhile.
func (c *thumbCache) get(path string) (img image.Image, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.entries[path]
	if !found {
		return nil, false
	}
	c.order.MoveToFront(e)
	en := e.Value.(*thumbEntry)
	return en.img, !en.stale
}

// load reads the picture at path in the background and hands it to r.then.
// Requests for a path being read share one read; the newest requests are
// served first, and those no longer live are dropped unread.
func (c *thumbCache) load(path string, r thumbRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.waiting[path]; ok {
		c.waiting[path] = append(q, r)
		return
	}
	c.waiting[path] = []thumbRequest{r}
	c.queue = append(c.queue, path)
	if c.loaders < thumbLoaders {
		c.loaders++
		c.spawn(c.loadQueued)
	}
}

// markStale makes the next get of path report it for reloading; the read
// keeps the picture if the file did not change.
func (c *thumbCache) markStale(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[path]; ok {
		e.Value.(*thumbEntry).stale = true
	}
}

// size is the number of pictures and their bytes in memory.
func (c *thumbCache) size() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.used
}

// loadQueued reads queued paths until none is left.
func (c *thumbCache) loadQueued() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.loaders--
			c.mu.Unlock()
			return
		}
		path := c.queue[len(c.queue)-1]
		c.queue = c.queue[:len(c.queue)-1]
		var old *thumbEntry
		if e, ok := c.entries[path]; ok {
			old = e.Value.(*thumbEntry)
		}
		wanted := false
		for _, r := range c.waiting[path] {
			wanted = wanted || r.live()
		}
		if !wanted {
			delete(c.waiting, path) // every tile that asked shows another video now
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()

		img, mtime := readThumbnail(path, old)

		c.mu.Lock()
		c.put(&thumbEntry{path: path, mtime: mtime, img: img, size: pictureBytes(img)})
		reqs := c.waiting[path]
		delete(c.waiting, path)
		c.mu.Unlock()
		c.deliver(func() {
			for _, r := range reqs {
				r.then(img)
			}
		})
	}
}

// readThumbnail decodes the picture at path, or returns old's when the file
// has not changed since old was read.
func readThumbnail(path string, old *thumbEntry) (image.Image, time.Time) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}
	}
	if old != nil && old.img != nil && old.mtime.Equal(st.ModTime()) {
		return old.img, old.mtime
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, st.ModTime()
	}
	return img, st.ModTime()
}

// pictureBytes is what img takes in memory, counted as 4 bytes a pixel.
func pictureBytes(img image.Image) int {
	if img == nil {
		return 64 // the entry itself
	}
	b := img.Bounds()
	return b.Dx() * b.Dy() * 4
}

// put adds or replaces an entry and drops the least recently used ones
// over the limit. c.mu is held.
func (c *thumbCache) put(en *thumbEntry) {
	if e, ok := c.entries[en.path]; ok {
		c.used -= e.Value.(*thumbEntry).size
		e.Value = en
		c.order.MoveToFront(e)
	} else {
		c.entries[en.path] = c.order.PushFront(en)
	}
	c.used += en.size
	for c.used > c.limit && c.order.Len() > 1 {
		last := c.order.Back()
		old := last.Value.(*thumbEntry)
		c.order.Remove(last)
		delete(c.entries, old.path)
		c.used -= old.size
	}
}
