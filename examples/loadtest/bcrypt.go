package main

import (
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// bcryptProbe is the in-process cost of one bcrypt comparison.
type bcryptProbe struct {
	Cost    int             `json:"cost"`
	Median  time.Duration   `json:"median_ns"`
	Samples []time.Duration `json:"samples_ns"`
}

// measureBcrypt times runs successful comparisons against a hash of the
// given cost and returns their median. The input is 44 bytes, the length
// of the server's pre-hashed password (auth/password), so the work is the
// same as one login's.
func measureBcrypt(cost, runs int) (bcryptProbe, error) {
	pw := []byte("0123456789abcdef0123456789abcdef0123456789ab")
	hash, err := bcrypt.GenerateFromPassword(pw, cost)
	if err != nil {
		return bcryptProbe{}, fmt.Errorf("bcrypt hash at cost %d: %w", cost, err)
	}
	p := bcryptProbe{Cost: cost}
	for range runs {
		start := time.Now()
		if err := bcrypt.CompareHashAndPassword(hash, pw); err != nil {
			return bcryptProbe{}, fmt.Errorf("bcrypt compare: %w", err)
		}
		p.Samples = append(p.Samples, time.Since(start))
	}
	sorted := slices.Clone(p.Samples)
	slices.Sort(sorted)
	p.Median = sorted[len(sorted)/2]
	return p, nil
}
