package mailjob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/mail"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// sealVersion is the first byte of every sealed message: the format
// (AES-256-GCM, 12-byte random nonce, the header as additional data).
const sealVersion byte = 1

// headerLen is the version byte and the key id byte.
const headerLen = 2

// ErrUnsealable reports stored job arguments that no key of the Keyring
// opens: sealed with a key that is not configured, or altered. Such a job
// is cancelled, never retried.
var ErrUnsealable = errors.New("mailjob: the job's message cannot be opened (unknown key or altered arguments)")

// Key is one AES-256 key that seals e-mail jobs. ID is stored in every
// message it seals, so that a Keyring holding older keys too knows which
// one opens a message.
type Key struct {
	ID     byte
	Secret []byte // KeySize bytes
}

// Keyring seals the messages stored in e-mail jobs, so that the single-use
// links of account e-mails (and the recipients) are never readable in the
// job table: AES-256-GCM with a random nonce. The first key seals; every
// key opens, so a key can be rotated without losing queued e-mail: put the
// new key first and keep the old one until the jobs it sealed are gone
// (at most a day with the default retries).
type Keyring struct {
	current byte
	aeads   map[byte]cipher.AEAD
}

// NewKeyring returns a Keyring that seals with current and opens with
// current and older. Every key must be KeySize bytes and their IDs unique.
func NewKeyring(current Key, older ...Key) (*Keyring, error) {
	k := &Keyring{current: current.ID, aeads: map[byte]cipher.AEAD{}}
	for _, key := range append([]Key{current}, older...) {
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("mailjob: key %d: want %d bytes, got %d", key.ID, KeySize, len(key.Secret))
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("mailjob: key id %d given twice", key.ID)
		}
		block, err := aes.NewCipher(key.Secret)
		if err != nil {
			return nil, fmt.Errorf("mailjob: key %d: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("mailjob: key %d: %w", key.ID, err)
		}
		k.aeads[key.ID] = aead
	}
	return k, nil
}

// seal encrypts m with the current key: version, key id, nonce and
// ciphertext, base64url-encoded.
func (k *Keyring) seal(m mail.Message) (string, error) {
	plain, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("mailjob: encode message: %w", err)
	}
	aead := k.aeads[k.current]
	header := []byte{sealVersion, k.current}
	out := make([]byte, headerLen, headerLen+aead.NonceSize()+len(plain)+aead.Overhead())
	copy(out, header)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails on supported platforms
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, plain, header)
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// open decrypts what seal made; any failure is ErrUnsealable.
func (k *Keyring) open(sealed string) (mail.Message, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < headerLen || raw[0] != sealVersion {
		return mail.Message{}, ErrUnsealable
	}
	aead, ok := k.aeads[raw[1]]
	if !ok || len(raw) < headerLen+aead.NonceSize()+aead.Overhead() {
		return mail.Message{}, ErrUnsealable
	}
	nonce, body := raw[headerLen:headerLen+aead.NonceSize()], raw[headerLen+aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, body, raw[:headerLen])
	if err != nil {
		return mail.Message{}, ErrUnsealable
	}
	var m mail.Message
	if err := json.Unmarshal(plain, &m); err != nil {
		return mail.Message{}, ErrUnsealable
	}
	return m, nil
}

// keyID returns the key id a sealed message names, or -1 when it names
// none: for logs, which must say which key was missing.
func keyID(sealed string) int {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < headerLen {
		return -1
	}
	return int(raw[1])
}
