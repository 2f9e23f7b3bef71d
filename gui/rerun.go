package gui

// rerun runs one piece of background work at a time: asked again while it
// runs, it runs once more after it, not once per ask. Its fields are used
// on the UI goroutine only.
type rerun struct {
	running bool // the work is under way
	again   bool // run it once more when it ends
}

// ask starts work, or marks it to run once more after the run under way.
// work returns whether it started; once started, it calls done on the UI
// goroutine when it has ended.
func (r *rerun) ask(work func(done func()) bool) {
	if r.running {
		r.again = true
		return
	}
	r.running = true
	if !work(func() {
		r.running = false
		if r.again {
			r.again = false
			r.ask(work)
		}
	}) {
		r.running = false
	}
}
