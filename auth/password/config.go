package password

import (
	"fmt"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt cost a zero Config.Cost means.
const DefaultCost = 12

// Config configures a Hasher. Zero fields take the documented defaults.
type Config struct {
	// Cost is the bcrypt cost of new hashes, bcrypt.MinCost to
	// bcrypt.MaxCost; default DefaultCost. Compare accepts any cost.
	Cost int
	// MaxConcurrent bounds the hashes and comparisons running at once;
	// default GOMAXPROCS-1 (at least 1), so a login flood always leaves a
	// processor to every other request: bcrypt does not yield, and with
	// every P busy hashing, other goroutines wait for preemption.
	MaxConcurrent int
}

func (c Config) withDefaults() Config {
	if c.Cost == 0 {
		c.Cost = DefaultCost
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = max(1, runtime.GOMAXPROCS(0)-1)
	}
	return c
}

// Validate reports a cost outside bcrypt's range or a negative
// MaxConcurrent.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Cost < bcrypt.MinCost || c.Cost > bcrypt.MaxCost {
		return fmt.Errorf("password config: cost %d outside %d..%d", c.Cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if c.MaxConcurrent < 0 {
		return fmt.Errorf("password config: MaxConcurrent %d is negative", c.MaxConcurrent)
	}
	return nil
}
