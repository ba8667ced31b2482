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
	// default runtime.GOMAXPROCS(0).
	MaxConcurrent int
}

func (c Config) withDefaults() Config {
	if c.Cost == 0 {
		c.Cost = DefaultCost
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = runtime.GOMAXPROCS(0)
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
