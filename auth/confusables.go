package auth

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// skeleton returns s's confusable skeleton in the manner of Unicode
// Technical Standard #39, "Unicode Security Mechanisms", section 4
// (https://www.unicode.org/reports/tr39/#Confusable_Detection): NFD, each
// character replaced by its prototype, NFD again. s is already case-folded
// (an email key), so the table below maps the case-folded forms: a Cyrillic
// capital В folds to в, which maps to b as В looks like B.
//
// The table is a small, hand-picked subset of TR39's confusables.txt
// (version 13.0.0): the letters of the Latin, Greek, Cyrillic, Armenian and
// Cherokee scripts that the data maps to a single Latin letter or digit,
// plus TR39's own ASCII prototypes (0 is o, 1 and | are l, m is rn). A
// prototype never contains a character the table maps, so one pass is
// enough and the skeleton of a skeleton is itself.
// Characters it does not list stand for themselves. It is a key for
// refusing look-alike registrations, never for finding an account.
func skeleton(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if p, ok := confusables[r]; ok {
			b.WriteString(p)
		} else {
			b.WriteRune(r)
		}
	}
	return norm.NFD.String(b.String())
}

// confusables maps a case-folded character to the Latin prototype it
// imitates, one script a block, sorted by code point. Each entry was checked
// against TR39's data when written: the character itself, or a character
// that case-folds to it, is listed there with this prototype (in either
// case). confusables_test.go checks that every entry can occur in a key.
var confusables = map[rune]string{
	// ASCII prototypes (TR39 maps 0 to O, which folds to o).
	'0': "o", '1': "l", '|': "l", 'm': "rn",

	// Latin look-alikes of Latin.
	'ı': "i", // U+0131 dotless i (Turkish)
	'ƅ': "b", // U+0185 tone six
	'ƽ': "s", // U+01BD tone five
	'ǀ': "l", // U+01C0 dental click
	'ȝ': "3", // U+021D yogh
	'ɑ': "a", // U+0251 alpha
	'ɡ': "g", // U+0261 script g
	'ɣ': "y", // U+0263 gamma
	'ɩ': "i", // U+0269 iota
	'ɪ': "i", // U+026A small capital I
	'ʋ': "u", // U+028B v with hook
	'ʏ': "y", // U+028F small capital Y
	'ʒ': "3", // U+0292 ezh
	'ᴄ': "c", // U+1D04 small capital C
	'ᴏ': "o", // U+1D0F small capital O
	'ᴜ': "u", // U+1D1C small capital U
	'ᴠ': "v", // U+1D20 small capital V
	'ᴡ': "w", // U+1D21 small capital W
	'ᴢ': "z", // U+1D22 small capital Z
	'ꜱ': "s", // U+A731 small capital S

	// Greek.
	'α': "a",  // U+03B1 alpha
	'β': "b",  // U+03B2 beta (capital Β looks like B)
	'γ': "y",  // U+03B3 gamma
	'ε': "e",  // U+03B5 epsilon (capital Ε looks like E)
	'ζ': "z",  // U+03B6 zeta (capital Ζ looks like Z)
	'η': "h",  // U+03B7 eta (capital Η looks like H)
	'ι': "i",  // U+03B9 iota
	'κ': "k",  // U+03BA kappa
	'μ': "rn", // U+03BC mu (capital Μ looks like M, which is rn)
	'ν': "v",  // U+03BD nu
	'ο': "o",  // U+03BF omicron
	'ρ': "p",  // U+03C1 rho
	'σ': "o",  // U+03C3 sigma
	'τ': "t",  // U+03C4 tau (capital Τ looks like T)
	'υ': "u",  // U+03C5 upsilon
	'χ': "x",  // U+03C7 chi
	'ϳ': "j",  // U+03F3 yot

	// Cyrillic.
	'а': "a",  // U+0430 a
	'б': "6",  // U+0431 be
	'в': "b",  // U+0432 ve (capital В looks like B)
	'г': "r",  // U+0433 ghe
	'е': "e",  // U+0435 ie
	'з': "3",  // U+0437 ze
	'к': "k",  // U+043A ka
	'м': "rn", // U+043C em (capital М looks like M, which is rn)
	'н': "h",  // U+043D en (capital Н looks like H)
	'о': "o",  // U+043E o
	'р': "p",  // U+0440 er
	'с': "c",  // U+0441 es
	'т': "t",  // U+0442 te (capital Т looks like T)
	'у': "y",  // U+0443 u
	'х': "x",  // U+0445 ha
	'ь': "b",  // U+044C soft sign
	'ѕ': "s",  // U+0455 dze
	'і': "i",  // U+0456 Byelorussian-Ukrainian i
	'ј': "j",  // U+0458 je
	'ѡ': "w",  // U+0461 omega
	'ѵ': "v",  // U+0475 izhitsa
	'ү': "y",  // U+04AF straight u
	'һ': "h",  // U+04BB shha
	'ҽ': "e",  // U+04BD Abkhasian che
	'ӏ': "i",  // U+04CF palochka
	'ԁ': "d",  // U+0501 Komi de
	'ԍ': "g",  // U+050D Komi sje
	'ԛ': "q",  // U+051B qa
	'ԝ': "w",  // U+051D we

	// Armenian.
	'ա': "w", // U+0561 ayb
	'գ': "q", // U+0563 gim
	'զ': "q", // U+0566 za
	'հ': "h", // U+0570 ho
	'ո': "n", // U+0578 vo
	'ռ': "n", // U+057C ra
	'ս': "u", // U+057D seh
	'ց': "g", // U+0581 co
	'ք': "f", // U+0584 keh
	'օ': "o", // U+0585 oh

	// Cherokee, whose small letters the key folds to these capitals.
	'Ꭰ': "d",  // U+13A0 a
	'Ꭱ': "r",  // U+13A1 e
	'Ꭲ': "t",  // U+13A2 i
	'Ꭵ': "i",  // U+13A5 v
	'Ꭹ': "y",  // U+13A9 gi
	'Ꭺ': "a",  // U+13AA go
	'Ꭻ': "j",  // U+13AB gu
	'Ꭼ': "e",  // U+13AC gv
	'Ꮃ': "w",  // U+13B3 la
	'Ꮇ': "rn", // U+13B7 lu (looks like M, which is rn)
	'Ꮋ': "h",  // U+13BB mi
	'Ꮍ': "y",  // U+13BD mu
	'Ꮐ': "g",  // U+13C0 nah
	'Ꮒ': "h",  // U+13C2 ni
	'Ꮓ': "z",  // U+13C3 no
	'Ꮞ': "4",  // U+13CE se
	'Ꮟ': "b",  // U+13CF si
	'Ꮢ': "r",  // U+13D2 sv
	'Ꮤ': "w",  // U+13D4 ta
	'Ꮥ': "s",  // U+13D5 de
	'Ꮩ': "v",  // U+13D9 do
	'Ꮪ': "s",  // U+13DA du
	'Ꮮ': "l",  // U+13DE tle
	'Ꮯ': "c",  // U+13DF tli
	'Ꮲ': "p",  // U+13E2 tlv
	'Ꮶ': "k",  // U+13E6 tso
	'Ꮷ': "d",  // U+13E7 tsu
	'Ꮾ': "6",  // U+13EE wv
	'Ᏻ': "g",  // U+13F3 yu
	'Ᏼ': "b",  // U+13F4 yv
}
