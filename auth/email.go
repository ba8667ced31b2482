package auth

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// Bounds of an address, after normalisation (RFC 5321 section 4.5.3.1).
const (
	MaxEmailBytes     = 254 // the whole address, as typed and as stored
	MaxEmailLocalPart = 64  // the part before the @, in bytes
)

// Email is an address ParseEmail accepted, in its three forms.
type Email struct {
	// Address is what is stored and shown: trimmed, NFKC-normalised and
	// lower-cased, the domain as the user wrote it.
	Address string
	// Key is the account's identity: the local part NFKC-normalised and
	// fully case-folded (ß is ss, K is k), the domain converted to ASCII
	// with IDNA (bücher.example and xn--bcher-kva.example are one). Login
	// finds an account by its key only.
	Key string
	// Skeleton is Key with look-alike characters replaced by the Latin
	// letter or digit they imitate (see confusables.go). Two accounts may
	// not share a skeleton, so a look-alike of an existing address cannot
	// register; login never matches by skeleton.
	Skeleton string
}

// ParseEmail checks and normalises an e-mail address, PRECIS-style (RFC
// 8264's identifier class for the local part, IDNA for the domain):
//
//   - surrounding white space is trimmed; the rest must be valid UTF-8 of
//     at most MaxEmailBytes bytes;
//   - refused outright, with the reason in the error: NUL and other control
//     characters; invisible and formatting characters (Unicode's Cf —
//     zero-width space and joiners, soft hyphen, BOM, bidi overrides — and
//     the other default-ignorable code points: variation selectors, Hangul
//     fillers); white space; unassigned and private-use code points;
//   - the address is NFKC-normalised, so fullwidth and other compatibility
//     forms become their plain letters (ａ is a, ＠ is @);
//   - it must hold exactly one @ between a local part and a domain; the
//     local part is a dot-atom (RFC 5322 atext and dots, no leading,
//     trailing or double dot; no quoted strings) of at most
//     MaxEmailLocalPart bytes whose other characters are letters and digits
//     (PRECIS IdentifierClass); the domain is a host name with at least
//     one dot, valid for IDNA2008 lookup (UTS 46 mapping, Bidi rule, DNS
//     lengths), whose last label is not all digits;
//   - the key case-folds the whole address with Unicode full case folding,
//     applied to the domain before IDNA, so straße and strasse are one key
//     in either part;
//   - the local part and each domain label may not mix scripts, except the
//     combinations Unicode TR39 calls highly restrictive (Latin with Han
//     and Japanese kana, with Han and Bopomofo, or with Han and Hangul):
//     pаypal with a Cyrillic а is refused;
//   - the skeleton maps the look-alikes of Latin letters and digits that
//     remain (a whole-Cyrillic сосо looks like coco) to Latin.
//
// Every refusal is a *ValidationError on the field "email". ParseEmail is
// idempotent: parsing a result's Address or Key gives the same Key and
// Skeleton again.
func ParseEmail(s string) (Email, error) {
	e := strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(e):
		return Email{}, emailError("must be valid UTF-8")
	case e == "":
		return Email{}, emailError("is required")
	case len(e) > MaxEmailBytes:
		return Email{}, emailError(fmt.Sprintf("must be at most %d bytes", MaxEmailBytes))
	}
	if msg := refusedRunes(e); msg != "" {
		return Email{}, emailError(msg)
	}
	// Everything below works on the lower-cased NFKC form, so that the
	// Address parses again to itself and to the same key.
	e = norm.NFKC.String(strings.ToLower(norm.NFKC.String(e)))
	if msg := refusedRunes(e); msg != "" { // NFKC can make a space: ¨ is " \u0308"
		return Email{}, emailError(msg)
	}
	at := strings.IndexByte(e, '@')
	if at < 0 || strings.IndexByte(e[at+1:], '@') >= 0 {
		return Email{}, emailError("must be a valid email address with exactly one @")
	}
	local, domain := e[:at], e[at+1:]
	if msg := checkLocalShape(local); msg != "" {
		return Email{}, emailError(msg)
	}
	if domain == "" {
		return Email{}, emailError("must have a domain after the @")
	}

	localKey, ok := foldStable(local)
	if !ok || len(localKey) > MaxEmailLocalPart {
		return Email{}, emailError(fmt.Sprintf("must have at most %d bytes before the @", MaxEmailLocalPart))
	}
	if _, err := identifierClass.String(localKey); err != nil {
		return Email{}, emailError("must have only letters, digits and the symbols . ! # $ % & ' * + - / = ? ^ _ ` { | } ~ before the @")
	}
	if mixedScripts(localKey) {
		return Email{}, emailError("must not mix scripts (such as Latin and Cyrillic) before the @")
	}

	domainKey, domainUnicode, msg := canonicalDomain(domain)
	if msg != "" {
		return Email{}, emailError(msg)
	}

	out := Email{
		Address:  e,
		Key:      localKey + "@" + domainKey,
		Skeleton: skeleton(localKey) + "@" + skeleton(domainUnicode),
	}
	if len(out.Address) > MaxEmailBytes || len(out.Key) > MaxEmailBytes {
		return Email{}, emailError(fmt.Sprintf("must be at most %d bytes", MaxEmailBytes))
	}
	return out, nil
}

// NormalizeEmail returns the Address form of ParseEmail: what kpbot stores
// and shows for email.
func NormalizeEmail(email string) (string, error) {
	e, err := ParseEmail(email)
	if err != nil {
		return "", err
	}
	return e.Address, nil
}

// LegacyEmailKey is the key of an account whose stored address predates
// ParseEmail and could not take its canonical key (see StoredEmailKeys):
// the address trimmed and lower-cased as kpbot stored it then, after a
// prefix with a space, which no canonical key contains. Login tries it
// before the canonical key, so such an account still signs in by the exact
// address it registered with.
func LegacyEmailKey(s string) string {
	return "legacy " + strings.ToLower(strings.TrimSpace(s))
}

// StoredEmailKeys returns the key and skeleton for an address already
// stored, and never fails. canonical reports whether the key is
// ParseEmail's. Otherwise the key is LegacyEmailKey(stored), by which the
// account still signs in with the exact address it registered with:
//
//   - an address ParseEmail accepts gets its key and skeleton;
//   - one it accepts only without the invisible characters it refuses (a
//     stored "a\u200bb@x.io") keeps its legacy key but takes the visible
//     address's skeleton, so ab@x.io cannot register beside it;
//   - any other gets the legacy key as its skeleton too.
func StoredEmailKeys(stored string) (key, skeleton string, canonical bool) {
	if e, err := ParseEmail(stored); err == nil {
		return e.Key, e.Skeleton, true
	}
	legacy := LegacyEmailKey(stored)
	visible := strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, stored)
	if e, err := ParseEmail(visible); err == nil {
		return legacy, e.Skeleton, false
	}
	return legacy, legacy, false
}

// loginKeys are the keys Login looks an address up by, preferred first:
// the legacy key (an exact old address wins over a look-alike's canonical
// key) and, when the address parses, its canonical key. It is nil for
// input that is never an account's address and must not reach the store.
func loginKeys(s string) []string {
	e := strings.TrimSpace(s)
	if e == "" || len(e) > MaxEmailBytes || !utf8.ValidString(e) || strings.IndexFunc(e, unicode.IsControl) >= 0 {
		return nil
	}
	keys := []string{LegacyEmailKey(e)}
	if p, err := ParseEmail(e); err == nil {
		keys = append(keys, p.Key)
	}
	return keys
}

func emailError(msg string) error { return &ValidationError{Field: "email", Message: msg} }

// refusedRunes returns why s cannot be part of an address, or "".
func refusedRunes(s string) string {
	for _, r := range s {
		switch {
		case r == 0:
			return "must not contain NUL characters"
		case unicode.Is(unicode.Cc, r):
			return "must not contain control characters"
		case invisible(r):
			return fmt.Sprintf("must not contain invisible or formatting characters (found %U)", r)
		case unicode.IsSpace(r) || unicode.Is(unicode.Z, r):
			return "must not contain spaces"
		case !assigned(r):
			return fmt.Sprintf("must not contain unassigned, private-use or non-characters (found %U)", r)
		}
	}
	return ""
}

// invisible reports whether r is a format character or otherwise default
// ignorable: drawn as nothing, so two addresses differing by it look the
// same.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// assigned reports whether r is an assigned, public code point: not a
// surrogate, private-use, noncharacter or unassigned one.
func assigned(r rune) bool {
	if unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r) || unicode.Is(unicode.Noncharacter_Code_Point, r) {
		return false
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf)
}

// checkLocalShape checks the local part's dot-atom syntax; it returns the
// reason it is refused, or "".
func checkLocalShape(local string) string {
	switch {
	case local == "":
		return "must have a local part before the @"
	case len(local) > MaxEmailLocalPart:
		return fmt.Sprintf("must have at most %d bytes before the @", MaxEmailLocalPart)
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return "must not start or end with a dot, or have two dots in a row, before the @"
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c < utf8.RuneSelf && c != '.' && !atext(c) {
			return fmt.Sprintf("must not contain %q before the @", c)
		}
	}
	return ""
}

// atext reports whether c is one of RFC 5322's atext characters.
func atext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// Normalisation tools; all are safe for concurrent use.
var (
	// identifierClass checks PRECIS IdentifierClass membership (RFC 8264
	// section 4.2) without mapping anything.
	identifierClass = precis.NewIdentifier(precis.Norm(norm.NFKC))
	// domainProfile converts a domain for lookup (RFC 5891 section 5, UTS
	// 46 non-transitional mapping) and checks the Bidi rule and DNS lengths.
	domainProfile = idna.New(idna.MapForLookup(), idna.Transitional(false),
		idna.BidiRule(), idna.VerifyDNSLength(true))
)

// foldStable applies NFKC and full case folding until the result no
// longer changes (PRECIS's stability rule, RFC 8264 section 7); ok is false
// if it does not settle.
func foldStable(s string) (string, bool) {
	for range 4 {
		next := foldOnce(s)
		if next == s {
			return s, true
		}
		s = next
	}
	return s, false
}

// foldOnce is one round of NFKC, full case folding, Cherokee to capitals
// and NFKC again. Unicode folds Cherokee to its capitals for stability;
// x/text's folder maps them both ways, which would never settle.
func foldOnce(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	if strings.IndexFunc(s, isCherokeeSmall) >= 0 {
		s = strings.Map(cherokeeCapital, s)
	}
	return norm.NFKC.String(s)
}

func isCherokeeSmall(r rune) bool {
	return 0xAB70 <= r && r <= 0xABBF || 0x13F8 <= r && r <= 0x13FD
}

func cherokeeCapital(r rune) rune {
	switch {
	case 0xAB70 <= r && r <= 0xABBF:
		return r - 0xAB70 + 0x13A0
	case 0x13F8 <= r && r <= 0x13FD:
		return r - 0x13F8 + 0x13F0
	}
	return r
}

// canonicalDomain returns the domain's key (case-folded, then ASCII by
// IDNA) and its Unicode form, or why it is refused.
func canonicalDomain(domain string) (ascii, uni, msg string) {
	folded, ok := foldStable(domain)
	if !ok {
		return "", "", "must have a valid domain name after the @"
	}
	ascii, err := domainProfile.ToASCII(folded)
	if err != nil {
		return "", "", "must have a valid domain name after the @"
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", "", "must have a domain with at least one dot after the @"
	}
	for _, l := range labels {
		if l == "" {
			return "", "", "must not have an empty domain label (two dots in a row, or a dot at either end)"
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "", "must have a domain name, not a number, after the @"
	}
	uni, err = domainProfile.ToUnicode(ascii)
	if err != nil {
		return "", "", "must have a valid domain name after the @"
	}
	for _, l := range strings.Split(uni, ".") {
		if mixedScripts(l) {
			return "", "", "must not mix scripts (such as Latin and Cyrillic) in a domain label"
		}
	}
	return ascii, uni, ""
}

// mixedScripts reports whether s mixes scripts beyond Unicode TR39's
// "highly restrictive" level (section 5.2): Common and Inherited
// characters go with anything; otherwise one script, or Latin with Han and
// Hiragana and Katakana, with Han and Bopomofo, or with Han and Hangul.
func mixedScripts(s string) bool {
	var seen []*unicode.RangeTable
	for _, r := range s {
		sc := scriptOf(r)
		if sc != nil && sc != unicode.Common && sc != unicode.Inherited && !slices.Contains(seen, sc) {
			seen = append(seen, sc)
		}
	}
	if len(seen) < 2 {
		return false
	}
	for _, allowed := range highlyRestrictive {
		if !slices.ContainsFunc(seen, func(sc *unicode.RangeTable) bool { return !slices.Contains(allowed, sc) }) {
			return false
		}
	}
	return true
}

// highlyRestrictive lists TR39's allowed multi-script combinations.
var highlyRestrictive = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// commonScripts are tried first: nearly every address is in one of them.
var commonScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Common, unicode.Inherited, unicode.Cyrillic, unicode.Greek,
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Arabic, unicode.Hebrew,
}

// scriptOf returns r's Unicode script, or nil for an unassigned r.
func scriptOf(r rune) *unicode.RangeTable {
	for _, t := range commonScripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	for _, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return t
		}
	}
	return nil
}
