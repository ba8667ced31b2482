package bunstore

import (
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
)

// userRow is a row of kpbot_users.
type userRow struct {
	bun.BaseModel `bun:"table:kpbot_users,alias:u"`

	ID    string `bun:"id,pk"`
	Email string `bun:"email"`
	// EmailKey and EmailSkeleton are auth.StoredEmailKeys of Email, or
	// auth.LegacyEmailKey of it (see the email_keys migration).
	EmailKey      string `bun:"email_key"`
	EmailSkeleton string `bun:"email_skeleton"`
	Name          string `bun:"name"`
	Role          string `bun:"role"`
	PasswordHash  []byte `bun:"password_hash"`
	Disabled      bool   `bun:"disabled"`
	// EmailVerifiedAt is NULL until the user confirms the address.
	EmailVerifiedAt *time.Time `bun:"email_verified_at"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// sessionRow is a row of kpbot_sessions; User is filled by a join.
type sessionRow struct {
	bun.BaseModel `bun:"table:kpbot_sessions,alias:s"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt time.Time  `bun:"last_used_at"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	UserAgent  string     `bun:"user_agent"`
	IP         string     `bun:"ip"`
	Generation int        `bun:"generation"`

	User *userRow `bun:"rel:belongs-to,join:user_id=id"`
}

// refreshTokenRow is a row of kpbot_refresh_tokens; Session is filled by a
// join.
type refreshTokenRow struct {
	bun.BaseModel `bun:"table:kpbot_refresh_tokens,alias:rt"`

	Hash       []byte     `bun:"hash,pk"`
	SessionID  string     `bun:"session_id"`
	CreatedAt  time.Time  `bun:"created_at"`
	RotatedAt  *time.Time `bun:"rotated_at"`
	Generation int        `bun:"generation"`

	Session *sessionRow `bun:"rel:belongs-to,join:session_id=id"`
}

func newUserRow(u *auth.User) *userRow {
	hash := u.PasswordHash
	if hash == nil {
		hash = []byte{} // the column is NOT NULL; bun writes nil as NULL
	}
	key, skel, _ := auth.StoredEmailKeys(u.Email)
	return &userRow{
		ID:              u.ID,
		Email:           strings.ToLower(u.Email),
		EmailKey:        key,
		EmailSkeleton:   skel,
		Name:            u.Name,
		Role:            string(u.Role),
		PasswordHash:    hash,
		Disabled:        u.Disabled,
		EmailVerifiedAt: utcPtr(u.EmailVerifiedAt),
		CreatedAt:       dbTime(u.CreatedAt),
		UpdatedAt:       dbTime(u.UpdatedAt),
	}
}

func (r *userRow) user() *auth.User {
	return &auth.User{
		ID:              r.ID,
		Email:           r.Email,
		Name:            r.Name,
		Role:            auth.Role(r.Role),
		PasswordHash:    r.PasswordHash,
		Disabled:        r.Disabled,
		EmailVerifiedAt: utcPtr(r.EmailVerifiedAt),
		CreatedAt:       dbTime(r.CreatedAt),
		UpdatedAt:       dbTime(r.UpdatedAt),
	}
}

func newSessionRow(s *auth.Session) *sessionRow {
	return &sessionRow{
		ID:         s.ID,
		UserID:     s.UserID,
		CreatedAt:  dbTime(s.CreatedAt),
		LastUsedAt: dbTime(s.LastUsedAt),
		ExpiresAt:  dbTime(s.ExpiresAt),
		RevokedAt:  utcPtr(s.RevokedAt),
		UserAgent:  s.UserAgent,
		IP:         s.IP,
		Generation: s.Generation,
	}
}

func (r *sessionRow) session() *auth.Session {
	return &auth.Session{
		ID:         r.ID,
		UserID:     r.UserID,
		CreatedAt:  dbTime(r.CreatedAt),
		LastUsedAt: dbTime(r.LastUsedAt),
		ExpiresAt:  dbTime(r.ExpiresAt),
		RevokedAt:  utcPtr(r.RevokedAt),
		UserAgent:  r.UserAgent,
		IP:         r.IP,
		Generation: r.Generation,
	}
}

func newRefreshTokenRow(t *auth.RefreshToken) *refreshTokenRow {
	return &refreshTokenRow{
		Hash:       t.Hash,
		SessionID:  t.SessionID,
		CreatedAt:  dbTime(t.CreatedAt),
		RotatedAt:  utcPtr(t.RotatedAt),
		Generation: t.Generation,
	}
}

func (r *refreshTokenRow) refreshToken() *auth.RefreshToken {
	return &auth.RefreshToken{
		Hash:       r.Hash,
		SessionID:  r.SessionID,
		CreatedAt:  dbTime(r.CreatedAt),
		RotatedAt:  utcPtr(r.RotatedAt),
		Generation: r.Generation,
	}
}

// dbTime is t as the databases keep it: UTC, to the microsecond.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}
