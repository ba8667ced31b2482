package auth

import (
	"time"
)

// User is an account.
type User struct {
	ID           string
	Email        string // the address as shown: Email.Address of ParseEmail
	Name         string
	Role         Role
	PasswordHash []byte
	Disabled     bool
	// EmailVerifiedAt is when the user proved they read Email; nil until
	// then.
	EmailVerifiedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// UserPatch is an admin's change to a user; nil fields stay as they are.
type UserPatch struct {
	Role     *Role
	Disabled *bool
}

// EmailVerified reports whether the user has confirmed their address.
func (u *User) EmailVerified() bool { return u.EmailVerifiedAt != nil }
