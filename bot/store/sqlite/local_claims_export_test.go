package sqlite

import "time"

// SetNowForTest sets the clock LocalClaims records answers and purges by.
func (c *LocalClaims) SetNowForTest(now func() time.Time) { c.now = now }
