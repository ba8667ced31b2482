package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input bounds the service enforces.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 1024 // passwords are pre-hashed, so bcrypt's 72-byte limit does not apply
	MaxNameChars     = 100
	refreshTokenLen  = 43 // base64url of 32 random bytes
)

// ValidatePassword checks the password rules: 8 to 1024 bytes of valid
// UTF-8 with at least 8 characters and no NUL.
func ValidatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return &ValidationError{Field: "password", Message: "must be valid UTF-8"}
	case strings.ContainsRune(pw, 0):
		return &ValidationError{Field: "password", Message: "must not contain NUL characters"}
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordChars)}
	case len(pw) > MaxPasswordBytes:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes)}
	}
	return nil
}

func normalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if !utf8.ValidString(n) || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", &ValidationError{Field: "name", Message: "must not contain control characters"}
	}
	if utf8.RuneCountInString(n) > MaxNameChars {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("must be at most %d characters", MaxNameChars)}
	}
	return n, nil
}
