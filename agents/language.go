package agents

import "strings"

// languageNames are the English names of common primary language subtags.
var languageNames = map[string]string{
	"en": "English", "fr": "French", "de": "German", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
	"nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "nb": "Norwegian", "fi": "Finnish",
	"pl": "Polish", "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "el": "Greek", "tr": "Turkish",
	"ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "he": "Hebrew", "fa": "Persian", "ur": "Urdu",
	"hi": "Hindi", "bn": "Bengali", "ja": "Japanese", "ko": "Korean", "zh": "Chinese", "th": "Thai",
	"vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "ca": "Catalan",
}

// LanguageName names a language tag for a prompt: "French (fr-CA)", or
// the tag itself when its language is not a common one.
func LanguageName(tag string) string {
	tag = strings.TrimSpace(tag)
	primary, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	if name, ok := languageNames[primary]; ok {
		return name + " (" + tag + ")"
	}
	return tag
}

// DraftLanguage is the language a draft for a post should be written in:
// the post's own when known, else the campaign's unless it is "any"; ""
// when neither is known.
func DraftLanguage(b Brief, p ProspectResult) string {
	if l := strings.TrimSpace(p.Language); l != "" {
		return l
	}
	if l := strings.TrimSpace(b.Language); l != "" && !strings.EqualFold(l, "any") {
		return l
	}
	return ""
}
