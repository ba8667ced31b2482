package jwt

import (
	"crypto/rand"
	"fmt"
)

// GenerateKey returns a new random HS256 key of MinHS256KeySize bytes.
func GenerateKey() ([]byte, error) {
	key := make([]byte, MinHS256KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate HS256 key: %w", err)
	}
	return key, nil
}
