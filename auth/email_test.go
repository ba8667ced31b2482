package auth_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
)

func TestParseEmailNormalises(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in             string
		address, key, skelOf string // skelOf: an address whose skeleton must equal this one's; "" for key
	}{
		{"plain", "ada@example.com", "ada@example.com", "ada@example.com", ""},
		{"trimmed and lower-cased", "  Ada@Example.COM\t", "ada@example.com", "ada@example.com", ""},
		{"fullwidth letters and at sign", "ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "ada@example.com", "ada@example.com", ""},
		{"fullwidth upper case", "ＡＤＡ@example.com", "ada@example.com", "ada@example.com", ""},
		{"sharp s folds to ss", "Straße@example.com", "straße@example.com", "strasse@example.com", ""},
		{"capital sharp s folds to ss", "STRAẞE@example.com", "straße@example.com", "strasse@example.com", ""},
		{"ligature", "oﬃce@example.com", "office@example.com", "office@example.com", ""},
		{"kelvin sign is k", "\u212Aate@example.com", "kate@example.com", "kate@example.com", ""},
		{"Turkish dotted capital I lower-cases to i", "İnci@example.com", "inci@example.com", "inci@example.com", ""},
		{"Turkish dotless i keeps its key, shares i's skeleton", "ılgaz@example.com", "ılgaz@example.com", "ılgaz@example.com", "ilgaz@example.com"},
		{"IDN domain to punycode", "b@Bücher.example", "b@bücher.example", "b@xn--bcher-kva.example", ""},
		{"punycode domain stays", "b@XN--BCHER-KVA.example", "b@xn--bcher-kva.example", "b@xn--bcher-kva.example", "b@bücher.example"},
		{"sharp s in the domain folds too", "a@straße.de", "a@straße.de", "a@strasse.de", ""},
		{"Cyrillic homoglyph has its own key, Latin's skeleton", "аlice@example.com", "", "", ""}, // refused: mixed scripts, see below
		{"whole-Cyrillic local part", "сосо@example.com", "сосо@example.com", "сосо@example.com", "coco@example.com"},
		{"Cyrillic capitals", "СОСО@example.com", "сосо@example.com", "сосо@example.com", "coco@example.com"},
		{"Greek look-alike", "ΡΑΡΑ@example.com", "ραρα@example.com", "ραρα@example.com", "papa@example.com"},
		{"digit look-alikes", "j0hn1@example.com", "j0hn1@example.com", "j0hn1@example.com", "johnl@example.com"},
		{"Cyrillic domain", "ivan@пример.рф", "ivan@пример.рф", "ivan@xn--e1afmkfd.xn--p1ai", ""},
		{"Latin with kana and Han", "tanakaたなか田中@example.jp", "tanakaたなか田中@example.jp", "tanakaたなか田中@example.jp", ""},
		{"atext symbols", "a.b+c!#$%&'*/=?^_`{|}~-@example.com", "a.b+c!#$%&'*/=?^_`{|}~-@example.com", "a.b+c!#$%&'*/=?^_`{|}~-@example.com", ""},
		{"Cherokee, small and capital, one key", "ꭺꮯ@example.com", "ꭺꮯ@example.com", "ᎪᏟ@example.com", "ac@example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := auth.ParseEmail(c.in)
			if c.address == "" {
				requireEmailRefusal(t, err, "mix scripts")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.address, e.Address, "address")
			assert.Equal(t, c.key, e.Key, "key")
			if c.skelOf != "" {
				other, err := auth.ParseEmail(c.skelOf)
				require.NoError(t, err)
				assert.Equal(t, other.Skeleton, e.Skeleton, "skeleton of %q", c.skelOf)
				if other.Key != e.Key {
					assert.NotEqual(t, other.Key, e.Key)
				}
			}
			again, err := auth.ParseEmail(e.Address)
			require.NoError(t, err, "the address parses again")
			assert.Equal(t, e, again, "idempotent on the address")
			fromKey, err := auth.ParseEmail(e.Key)
			require.NoError(t, err, "the key parses again")
			assert.Equal(t, e.Key, fromKey.Key, "idempotent on the key")
			assert.Equal(t, e.Skeleton, fromKey.Skeleton)
		})
	}
}

// TestParseEmailOneAccount lists addresses that must be one account (one
// key) and look-alikes that must share a skeleton while keeping their own
// key.
func TestParseEmailOneAccount(t *testing.T) {
	t.Parallel()
	sameKey := [][]string{
		{"strasse@example.com", "straße@example.com", "STRASSE@EXAMPLE.COM", "Straße@Example.com"},
		{"ada@example.com", "ａｄａ@example.com", "ADA@example.com", "ada@ＥＸＡＭＰＬＥ.com"},
		{"x@bücher.example", "x@xn--bcher-kva.example", "x@BÜCHER.example", "x@ｂüｃｈｅｒ.example"},
	}
	for _, group := range sameKey {
		first := mustParse(t, group[0])
		for _, a := range group[1:] {
			assert.Equal(t, first.Key, mustParse(t, a).Key, "%q and %q are one account", group[0], a)
			assert.Equal(t, first.Skeleton, mustParse(t, a).Skeleton)
		}
	}
	lookAlikes := [][2]string{
		{"coco@example.com", "сосо@example.com"},     // Cyrillic
		{"papa@example.com", "ραρα@example.com"},     // Greek
		{"ivan@example.com", "ıvan@example.com"},     // Latin dotless i
		{"paypal@example.com", "paypa1@example.com"}, // digit one
		{"boom@example.com", "b00m@example.com"},     // digit zero
		{"modern@example.com", "rnodern@example.com"},
		{"coco@coco.example", "coco@сосо.example"}, // whole-Cyrillic domain label
	}
	for _, p := range lookAlikes {
		a, b := mustParse(t, p[0]), mustParse(t, p[1])
		assert.NotEqual(t, a.Key, b.Key, "%q and %q are different addresses", p[0], p[1])
		assert.Equal(t, a.Skeleton, b.Skeleton, "%q looks like %q", p[1], p[0])
	}
	distinct := [][2]string{
		{"ada@example.com", "ada@example.org"},
		{"ada@example.com", "adb@example.com"},
		{"a.da@example.com", "ada@example.com"},
	}
	for _, p := range distinct {
		a, b := mustParse(t, p[0]), mustParse(t, p[1])
		assert.NotEqual(t, a.Skeleton, b.Skeleton, "%q and %q do not look alike", p[0], p[1])
	}
}

func TestParseEmailRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, reason string }{
		{"empty", "   ", "is required"},
		{"NUL", "a\x00b@example.com", "NUL"},
		{"NUL at the end", "ab@example.com\x00", "NUL"},
		{"control character", "a\x07b@example.com", "control characters"},
		{"DEL", "a\x7fb@example.com", "control characters"},
		{"C1 control", "a\u0085b@example.com", "control characters"},
		{"zero-width space", "a\u200Bb@example.com", "invisible or formatting characters (found U+200B)"},
		{"zero-width joiner", "a\u200Db@example.com", "U+200D"},
		{"zero-width non-joiner", "a\u200Cb@example.com", "U+200C"},
		{"zero-width space in the domain", "ab@exa\u200Bmple.com", "U+200B"},
		{"soft hyphen", "ad\u00ADa@example.com", "U+00AD"},
		{"byte order mark", "\uFEFFada@example.com", "U+FEFF"},
		{"right-to-left override", "ada\u202Emoc@example.com", "U+202E"},
		{"left-to-right mark", "ada\u200E@example.com", "U+200E"},
		{"word joiner", "a\u2060da@example.com", "U+2060"},
		{"variation selector", "ada\uFE0F@example.com", "U+FE0F"},
		{"combining grapheme joiner", "ad\u034Fa@example.com", "U+034F"},
		{"Hangul filler", "ada\u3164@example.com", "U+3164"},
		{"tag character", "ada\U000E0041@example.com", "U+E0041"},
		{"no-break space", "a\u00A0da@example.com", "spaces"},
		{"ideographic space", "a\u3000da@example.com", "spaces"},
		{"inner space", "a da@example.com", "spaces"},
		{"diaeresis becomes a space under NFKC", "a\u00A8da@example.com", "spaces"},
		{"private use", "a\uE000@example.com", "private-use"},
		{"unassigned", "a\U0002FFFD@example.com", "unassigned"},
		{"noncharacter", "a\uFDD0@example.com", "non-characters"},
		{"invalid UTF-8", "a\xffb@example.com", "valid UTF-8"},
		{"no at sign", "ada.example.com", "exactly one @"},
		{"two at signs", "a@b@example.com", "exactly one @"},
		{"fullwidth second at sign", "a＠b@example.com", "exactly one @"},
		{"empty local part", "@example.com", "local part"},
		{"empty domain", "ada@", "domain"},
		{"leading dot", ".ada@example.com", "dot"},
		{"trailing dot", "ada.@example.com", "dot"},
		{"double dot", "a..da@example.com", "dot"},
		{"quoted local part", `"a b"@example.com`, "spaces"},
		{"quoted local part without space", `"ab"@example.com`, `'"'`},
		{"display name", "Ada <ada@example.com>", "spaces"},
		{"comma", "a,b@example.com", `','`},
		{"symbol in the local part", "a☃@example.com", "only letters, digits"},
		{"mixed Latin and Cyrillic", "pаypal@example.com", "mix scripts"},
		{"mixed Latin and Greek", "pαypal@example.com", "mix scripts"},
		{"mixed scripts in a domain label", "ada@pаypal.com", "mix scripts"},
		{"no dot in the domain", "ada@localhost", "at least one dot"},
		{"domain ends with a dot", "ada@example.com.", "empty domain label"},
		{"domain starts with a dot", "ada@.example.com", "domain"},
		{"underscore in the domain", "ada@ex_ample.com", "valid domain name"},
		{"domain literal", "ada@[192.0.2.1]", "domain"},
		{"numeric top-level label", "ada@192.0.2.1", "not a number"},
		{"bad punycode", "ada@xn--zz.example", "valid domain name"},
		{"domain label too long", "ada@" + strings.Repeat("d", 64) + ".com", "valid domain name"},
		{"over-long address", strings.Repeat("a", 64) + "@" + strings.Repeat("d.", 100) + "com", "at most 254 bytes"},
		{"over-long local part", strings.Repeat("a", 65) + "@example.com", "at most 64 bytes before the @"},
		{"over-long after NFKC", strings.Repeat("\uFDF2", 20) + "@example.com", "at most 64 bytes before the @"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := auth.ParseEmail(c.in)
			requireEmailRefusal(t, err, c.reason)
		})
	}
}

func requireEmailRefusal(t *testing.T, err error, reason string) {
	t.Helper()
	var ve *auth.ValidationError
	require.True(t, errors.As(err, &ve), "want a validation error, got %v", err)
	assert.Equal(t, "email", ve.Field)
	assert.Contains(t, ve.Message, reason)
}

func TestStoredEmailKeys(t *testing.T) {
	t.Parallel()
	key, skel, ok := auth.StoredEmailKeys("straße@example.com")
	assert.True(t, ok)
	assert.Equal(t, "strasse@example.com", key)
	assert.Equal(t, mustParse(t, "strasse@example.com").Skeleton, skel)

	key, skel, ok = auth.StoredEmailKeys("a\u200bb@example.com")
	assert.False(t, ok)
	assert.Equal(t, auth.LegacyEmailKey("a\u200bb@example.com"), key, "it signs in by its exact address")
	assert.Equal(t, mustParse(t, "ab@example.com").Skeleton, skel, "and holds the skeleton of what it looks like")

	for _, stored := range []string{`"a b"@example.com`, "pаypal@example.com", "ada@[192.0.2.1]"} {
		key, skel, ok = auth.StoredEmailKeys(stored)
		assert.False(t, ok, stored)
		assert.Equal(t, auth.LegacyEmailKey(stored), key, stored)
		assert.Equal(t, key, skel, stored)
		assert.True(t, strings.HasPrefix(key, "legacy "), stored)
		assert.Contains(t, key, " ", "a legacy key is never a canonical key, which has no space")
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	got, err := auth.NormalizeEmail(" Ａda@Example.COM ")
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", got)
	_, err = auth.NormalizeEmail("a\u200bda@example.com")
	requireEmailRefusal(t, err, "U+200B")
}

func TestLegacyEmailKey(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "legacy ada@example.com", auth.LegacyEmailKey("  Ada@Example.COM "))
	assert.Equal(t, auth.LegacyEmailKey("ADA@example.com"), auth.LegacyEmailKey("ada@EXAMPLE.com"))
}

func mustParse(t *testing.T, s string) auth.Email {
	t.Helper()
	e, err := auth.ParseEmail(s)
	require.NoError(t, err, "parse %q", s)
	return e
}

// FuzzParseEmail: ParseEmail never panics; what it accepts is bounded,
// free of refused characters, and parses again to the same key and
// skeleton from either its address or its key.
func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{
		"ada@example.com", "Straße@Example.com", "ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ", "сосо@пример.рф",
		"a\u200bb@example.com", "b@xn--bcher-kva.example", "İnci@example.com", "ꭺꮯ@example.com",
		"a\x00@example.com", "\u212Aate@ex.com", "oﬃce@ﬁ.example", "x@" + strings.Repeat("ß", 40) + ".de",
		"ǅ@example.com", "ΣΑΣ@example.gr", "ς@example.gr", "tanakaたなか田中@example.jp",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := auth.ParseEmail(s)
		if err != nil {
			var ve *auth.ValidationError
			if !errors.As(err, &ve) || ve.Field != "email" || ve.Message == "" {
				t.Fatalf("ParseEmail(%q): want a validation error on email, got %v", s, err)
			}
			return
		}
		for _, v := range []string{e.Address, e.Key, e.Skeleton} {
			if !utf8.ValidString(v) || v == "" || strings.ContainsAny(v, " \x00") {
				t.Fatalf("ParseEmail(%q) = %+q: a form is empty, invalid or has a space or NUL", s, e)
			}
		}
		if len(e.Address) > auth.MaxEmailBytes || len(e.Key) > auth.MaxEmailBytes || strings.Count(e.Key, "@") != 1 {
			t.Fatalf("ParseEmail(%q) = %+q: out of bounds", s, e)
		}
		for _, form := range []string{e.Address, e.Key} {
			again, err := auth.ParseEmail(form)
			if err != nil {
				t.Fatalf("ParseEmail(%q) = %+q, but %q does not parse: %v", s, e, form, err)
			}
			if again.Key != e.Key || again.Skeleton != e.Skeleton {
				t.Fatalf("not idempotent: ParseEmail(%q) = %+q, ParseEmail(%q) = %+q", s, e, form, again)
			}
		}
		if again, _ := auth.ParseEmail(e.Address); again.Address != e.Address {
			t.Fatalf("address not idempotent: %q then %q", e.Address, again.Address)
		}
	})
}

// BenchmarkParseEmail is the normalisation every register and login pays.
func BenchmarkParseEmail(b *testing.B) {
	for _, s := range []string{"ada.lovelace@example.com", "Straße.Müller@bücher.example", "сосо@пример.рф"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := auth.ParseEmail(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
