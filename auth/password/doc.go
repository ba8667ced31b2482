// Package password is the auth.PasswordHasher adapter: bcrypt
// (golang.org/x/crypto/bcrypt) behind a semaphore that bounds how many
// hashes run at once.
//
// bcrypt reads at most 72 bytes of its input and refuses longer input, so
// the hasher never gives it the password itself: the bcrypt input is the
// standard base64 encoding of HMAC-SHA256(password) under a fixed,
// public domain-separation key (44 bytes). Every byte of a long password
// counts, a password over 72 bytes never matches its own 72-byte prefix,
// and no length is refused here (the auth service bounds lengths). Hashes
// are therefore not interchangeable with plain bcrypt hashes of the raw
// password. The pre-hash is unsalted (bcrypt adds the salt), so a leaked
// unsalted SHA-256 list elsewhere could be tested against these hashes one
// bcrypt at a time; that is the usual, accepted cost of pre-hashing.
package password
