package webtest

// Cleaner is the part of testing.TB a corpus needs: *testing.T and
// *testing.B are Cleaners, and so is a Closer for code that has neither.
type Cleaner interface {
	Helper()
	Cleanup(f func())
}

// Closer is a Cleaner for examples and programs: it keeps the cleanups
// and runs them, the last added first, on Close.
type Closer struct{ fns []func() }

// Helper does nothing; it is there for Cleaner.
func (c *Closer) Helper() {}

// Cleanup adds f to the functions Close runs.
func (c *Closer) Cleanup(f func()) { c.fns = append(c.fns, f) }

// Close runs every cleanup, the last added first, and forgets them.
func (c *Closer) Close() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
	}
	c.fns = nil
}
