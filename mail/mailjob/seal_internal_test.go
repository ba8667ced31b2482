package mailjob

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/mail"
)

func key(id byte) Key { return Key{ID: id, Secret: bytes.Repeat([]byte{id + 1}, KeySize)} }

var msg = mail.Message{To: "ada@example.com", Subject: "Reset", Text: "https://kp.example/reset-password?token=SECRET-TOKEN"}

func TestKeyringSealsAndOpens(t *testing.T) {
	k, err := NewKeyring(key(1))
	require.NoError(t, err)
	a, err := k.seal(msg)
	require.NoError(t, err)
	b, err := k.seal(msg)
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "a random nonce per message")
	for _, s := range []string{a, b} {
		assert.NotContains(t, s, "SECRET")
		got, err := k.open(s)
		require.NoError(t, err)
		assert.Equal(t, msg, got)
	}
	assert.Equal(t, 1, keyID(a))
	assert.Equal(t, -1, keyID("!"))
}

func TestKeyringRefusesAlteredMessages(t *testing.T) {
	k, err := NewKeyring(key(1))
	require.NoError(t, err)
	s, err := k.seal(msg)
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	for i := range raw {
		flipped := bytes.Clone(raw)
		flipped[i] ^= 0x01
		_, err := k.open(base64.RawURLEncoding.EncodeToString(flipped))
		require.ErrorIs(t, err, ErrUnsealable, "byte %d flipped", i)
	}
	for _, bad := range []string{"", "not base64!", base64.RawURLEncoding.EncodeToString(raw[:10]), base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1])} {
		_, err := k.open(bad)
		require.ErrorIs(t, err, ErrUnsealable, "%q", bad)
	}
}

func TestKeyringRotation(t *testing.T) {
	old, err := NewKeyring(key(1))
	require.NoError(t, err)
	sealedOld, err := old.seal(msg)
	require.NoError(t, err)

	rotated, err := NewKeyring(key(2), key(1))
	require.NoError(t, err)
	got, err := rotated.open(sealedOld)
	require.NoError(t, err, "the old key still opens what it sealed")
	assert.Equal(t, msg, got)
	sealedNew, err := rotated.seal(msg)
	require.NoError(t, err)
	assert.Equal(t, 2, keyID(sealedNew), "the first key seals")
	_, err = old.open(sealedNew)
	require.ErrorIs(t, err, ErrUnsealable, "a keyring without the new key cannot open it")

	// Same id, other secret: the message does not open.
	other, err := NewKeyring(Key{ID: 1, Secret: bytes.Repeat([]byte{9}, KeySize)})
	require.NoError(t, err)
	_, err = other.open(sealedOld)
	require.ErrorIs(t, err, ErrUnsealable)
}

func TestNewKeyringChecksKeys(t *testing.T) {
	_, err := NewKeyring(Key{ID: 1, Secret: make([]byte, 16)})
	require.Error(t, err, "AES-256 only")
	_, err = NewKeyring(key(1), key(1))
	require.Error(t, err, "ids are unique")
	_, err = NewKeyring(key(1), Key{ID: 2})
	require.Error(t, err)
}

func TestArgsUnmarshalNeverFails(t *testing.T) {
	var a Args
	require.NoError(t, a.UnmarshalJSON([]byte(`{"sealed": 5}`)))
	assert.True(t, a.malformed)
	require.NoError(t, a.UnmarshalJSON([]byte(`{"sealed": "abc"}`)))
	assert.Equal(t, Args{Sealed: "abc"}, a)
}
