package web

import "hash/maphash"

// URLSet remembers URLs by a 64-bit hash: about 16 bytes a URL however
// long it is. Two different URLs collide with a chance of about n²/2⁶⁵
// (10⁻¹² for 5,000 URLs), and then the second counts as seen. The zero
// value is not usable; call NewURLSet. It is not safe for concurrent use.
type URLSet struct {
	seed maphash.Seed
	m    map[uint64]struct{}
}

// NewURLSet returns an empty set with its own hash seed.
func NewURLSet() *URLSet {
	return &URLSet{seed: maphash.MakeSeed(), m: make(map[uint64]struct{})}
}

// Add adds u and reports whether it was new.
func (s *URLSet) Add(u string) bool {
	h := maphash.String(s.seed, u)
	if _, ok := s.m[h]; ok {
		return false
	}
	s.m[h] = struct{}{}
	return true
}

// Len is the number of URLs added.
func (s *URLSet) Len() int { return len(s.m) }
