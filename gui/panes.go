package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

const (
	// narrowWidth is the window width below which the compose pane and the
	// library no longer fit side by side and become tabs.
	narrowWidth = 900
	// composeWidth is the compose pane's width beside the library until
	// the user drags the divider.
	composeWidth = 400
)

// panes holds the compose pane and the library side by side, or as two
// tabs when the window is too narrow for both. It follows the window's
// width as it is resized.
type panes struct {
	widget.BaseWidget

	create, library fyne.CanvasObject
	split           *container.Split
	tabs            *container.AppTabs // nil until the window is first narrow
	narrow          bool
	tab             int     // the tab on show, kept across a switch to wide and back
	width           float32 // the width of the last layout
	leading         float32 // the compose pane's width in the split

	// onNarrow, if set, is called when the panes switch between side by
	// side and tabs.
	onNarrow func(narrow bool)
}

func newPanes(create, library fyne.CanvasObject) *panes {
	p := &panes{create: create, library: library, leading: composeWidth}
	p.split = container.NewHSplit(create, library)
	p.ExtendBaseWidget(p)
	return p
}

// CreateRenderer is part of fyne.Widget.
func (p *panes) CreateRenderer() fyne.WidgetRenderer { return &panesRenderer{p: p} }

// current is the container on show.
func (p *panes) current() fyne.CanvasObject {
	if p.narrow {
		return p.tabs
	}
	return p.split
}

// Narrow reports whether the panes are tabs.
func (p *panes) Narrow() bool { return p.narrow }

// showCreate brings the compose pane into view.
func (p *panes) showCreate() { p.showTab(0) }

// showLibrary brings the library into view.
func (p *panes) showLibrary() { p.showTab(1) }

func (p *panes) showTab(i int) {
	p.tab = i
	if p.narrow && p.tabs.SelectedIndex() != i {
		p.tabs.SelectIndex(i)
	}
}

func (p *panes) layout(size fyne.Size) {
	narrow := size.Width < max(narrowWidth, p.split.MinSize().Width)
	if narrow != p.narrow || (narrow && p.tabs == nil) {
		p.setNarrow(narrow)
	}
	if !narrow && size.Width != p.width && size.Width > 0 {
		if p.width > 0 && p.split.Offset > 0 {
			p.leading = float32(p.split.Offset) * p.width // where the user left the divider
		}
		p.split.Offset = float64(p.leading / size.Width)
		p.width = size.Width
	}
	p.current().Resize(size)
	p.current().Move(fyne.NewPos(0, 0))
}

func (p *panes) setNarrow(narrow bool) {
	p.narrow = narrow
	if narrow {
		// A new AppTabs each time: the split holds the same panes, and the
		// tabs hide whichever pane is not selected.
		p.tabs = container.NewAppTabs(
			container.NewTabItem("Create", p.create),
			container.NewTabItem("Library", p.library),
		)
		p.tabs.SelectIndex(p.tab)
		p.tabs.OnSelected = func(*container.TabItem) { p.tab = p.tabs.SelectedIndex() }
	} else {
		p.create.Show()
		p.library.Show()
		p.width = 0 // lay the split out afresh
		p.split.Refresh()
	}
	if p.onNarrow != nil {
		p.onNarrow(narrow)
	}
}

type panesRenderer struct{ p *panes }

func (r *panesRenderer) Destroy() {}

func (r *panesRenderer) Layout(size fyne.Size) { r.p.layout(size) }

// MinSize is that of the tabs, so that the window can always be made
// narrow enough for them.
func (r *panesRenderer) MinSize() fyne.Size {
	c, l := r.p.create.MinSize(), r.p.library.MinSize()
	tabBar := widget.NewLabel("Library").MinSize().Height
	return fyne.NewSize(max(c.Width, l.Width), max(c.Height, l.Height)+tabBar)
}

func (r *panesRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.p.current()} }

func (r *panesRenderer) Refresh() { r.p.current().Refresh() }
