package web_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
)

// TestCommentSystemsOnCorpus: every page of the corpus reports the comment
// system its markup really has, and whether a visitor can comment now;
// each system appears at least once.
func TestCommentSystemsOnCorpus(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range loadCorpus(t) {
		a, err := web.Extract(c.URL, c.body(t))
		require.NoError(t, err)
		assert.Equal(t, web.CommentInfo{Open: c.CommentsOpen, System: c.CommentSystem}, a.Comments, c.File)
		seen[c.CommentSystem] = true
	}
	for _, s := range []string{web.CommentsWordPress, web.CommentsDisqus, web.CommentsFacebook, web.CommentsGiscus,
		web.CommentsUtterances, web.CommentsCommento, web.CommentsHyvor, web.CommentsRemark42, web.CommentsDiscourse,
		web.CommentsGhost, web.CommentsSubstack, web.CommentsBlogger, web.CommentsNative, web.CommentsNone} {
		assert.True(t, seen[s], "the corpus has a page with %s", s)
	}
}

// TestCommentMarkers checks each system's markers alone, the closed
// notices, and that tracking scripts are not comments.
func TestCommentMarkers(t *testing.T) {
	t.Parallel()
	page := func(extra string) []byte {
		return []byte(`<html><head><title>T</title></head><body><article><h1>T</h1><p>` +
			strings.Repeat("A paragraph long enough to be read as the article's main text. ", 12) +
			`</p></article>` + extra + `</body></html>`)
	}
	cases := []struct {
		name, html, system string
		open               bool
	}{
		{"wordpress respond", `<div id="respond" class="comment-respond"><form id="commentform" class="comment-form"><textarea name="comment"></textarea></form></div>`, web.CommentsWordPress, true},
		{"wordpress closed area", `<div class="comments-area"><p class="no-comments">Comments are closed.</p></div>`, web.CommentsWordPress, false},
		{"disqus inline", `<script>var disqus_config = function () {};</script>`, web.CommentsDisqus, true},
		{"facebook plugin iframe", `<iframe src="https://www.facebook.com/plugins/comments.php?href=x"></iframe>`, web.CommentsFacebook, true},
		{"facebook pixel only", `<script src="https://connect.facebook.net/en_US/fbevents.js"></script><img src="https://www.facebook.com/tr?id=1&ev=PageView">`, web.CommentsNone, false},
		{"utterances", `<script src="https://utteranc.es/client.js" repo="a/b"></script>`, web.CommentsUtterances, true},
		{"giscus", `<script src="https://giscus.app/client.js"></script>`, web.CommentsGiscus, true},
		{"commento", `<div id="commento"></div>`, web.CommentsCommento, true},
		{"hyvor element", `<hyvor-talk-comments website-id="1"></hyvor-talk-comments>`, web.CommentsHyvor, true},
		{"remark42", `<div id="remark42"></div>`, web.CommentsRemark42, true},
		{"discourse", `<script>DiscourseEmbed = { discourseUrl: 'https://forum.example/' };</script>`, web.CommentsDiscourse, true},
		{"ghost", `<script src="https://cdn.jsdelivr.net/ghost/comments-ui@~0.17/umd/comments-ui.min.js" data-ghost-comments="x"></script>`, web.CommentsGhost, true},
		{"ghost comments off", `<script data-ghost-comments="x" data-comments-enabled="off"></script>`, web.CommentsGhost, false},
		{"blogger", `<iframe id="comment-editor" src="https://www.blogger.com/comment/frame/1"></iframe>`, web.CommentsBlogger, true},
		{"substack needs its cdn", `<div class="comments-section"></div>`, web.CommentsNone, false},
		{"substack", `<link href="https://substackcdn.com/x.css" rel="stylesheet"><div class="comments-section"><textarea></textarea></div>`, web.CommentsSubstack, true},
		{"substack paid only", `<script src="https://substackcdn.com/main.js"></script><div class="comments-section"><div class="comments-paywall">Comments are restricted to paid subscribers.</div></div>`, web.CommentsSubstack, false},
		{"forum reply", `<form id="qr_postform" action="./posting.php?mode=reply"><textarea name="message"></textarea></form>`, web.CommentsNative, true},
		{"forum locked", `<div class="action-bar"><p>This topic is locked, you cannot edit posts or make further replies.</p></div>`, web.CommentsNative, false},
		{"contact form", `<form id="contact" action="/contact"><textarea name="message"></textarea></form>`, web.CommentsNone, false},
		{"isso", `<script data-isso="//comments.example/" src="//comments.example/js/embed.min.js"></script>`, web.CommentsOther, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := web.Extract("https://blog.example.com/p", page(tc.html))
			require.NoError(t, err)
			assert.Equal(t, web.CommentInfo{Open: tc.open, System: tc.system}, a.Comments)
		})
	}
}

// TestDetectLanguageOnCorpus: the text of every corpus page is detected
// as its language, confidently.
func TestDetectLanguageOnCorpus(t *testing.T) {
	t.Parallel()
	for _, c := range loadCorpus(t) {
		a, err := web.Extract(c.URL, c.body(t))
		require.NoError(t, err)
		lang, sure := web.DetectLanguage(a.Text)
		assert.Equal(t, c.Lang, lang, c.File)
		assert.True(t, sure, "%s detected with confidence", c.File)
	}
}

func TestDetectLanguage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text, want string
		sure       bool
	}{
		{"", "", false},
		{"Hi there", "", false},
		{"Это небольшой текст о том, как мы переехали в новый офис и что из этого вышло за первый месяц работы.", "ru", true},
		{"Це невеликий текст про те, як ми переїхали до нового офісу і що з цього вийшло за перший місяць роботи.", "uk", true},
		{"这是一段关于我们如何搬到新办公室以及第一个月工作情况的简短文字，我们学到了很多东西。", "zh", true},
		{"이것은 우리가 새 사무실로 이사한 방법과 첫 달 동안 일어난 일에 대한 짧은 글입니다.", "ko", true},
		{"این یک متن کوتاه درباره این است که چگونه به دفتر جدید رفتیم و در ماه اول چه گذشت و چه چیزهایی یاد گرفتیم.", "fa", true},
		{"Questo è un breve testo su come ci siamo trasferiti nel nuovo ufficio e su cosa è successo nel primo mese di lavoro con il gruppo, che non è stato facile per nessuno di noi ma alla fine è andato bene.", "it", true},
		{"Dit is een korte tekst over hoe we naar het nieuwe kantoor zijn verhuisd en wat er in de eerste maand is gebeurd, want het was niet altijd makkelijk voor het team maar we hebben er veel van geleerd en zijn er ook blij mee.", "nl", true},
	}
	for _, tc := range cases {
		lang, sure := web.DetectLanguage(tc.text)
		assert.Equal(t, tc.want, lang, tc.text)
		assert.Equal(t, tc.sure, sure, tc.text)
	}
}

// TestLanguageAndDirection: the declared language stands unless the text
// plainly says otherwise; direction comes from dir or the language.
func TestLanguageAndDirection(t *testing.T) {
	t.Parallel()
	german := strings.Repeat("Wir haben die Datenbank nach dem Update wieder schneller gemacht, und das war nicht einfach. ", 6)
	english := strings.Repeat("We made the database fast again after the update, and that was not easy for the team. ", 6)
	arabic := strings.Repeat("أعلنت البلدية عن خطة جديدة لتوسيع شبكة الحافلات العامة في المدينة. ", 6)
	cases := []struct {
		name, attrs, text, lang, dir string
	}{
		{"declared and agreeing", `lang="en-GB"`, english, "en-GB", web.DirLTR},
		{"theme default over German", `lang="en-US"`, german, "de", web.DirLTR},
		{"undeclared", ``, german, "de", web.DirLTR},
		{"og locale", ``, "", "", ""}, // filled below
		{"arabic declared, no dir", `lang="ar"`, arabic, "ar", web.DirRTL},
		{"arabic undeclared", ``, arabic, "ar", web.DirRTL},
		{"explicit dir wins", `lang="en" dir="rtl"`, english, "en", web.DirRTL},
	}
	for _, tc := range cases {
		head := ""
		if tc.name == "og locale" {
			head, tc.text, tc.lang, tc.dir = `<meta property="og:locale" content="fr_FR">`, strings.Repeat("Un texte court. ", 3)+english[:40], "fr-FR", web.DirLTR
		}
		body := `<html ` + tc.attrs + `><head><title>T</title>` + head + `</head><body><article><h1>T</h1><p>` + tc.text + `</p><p>` + tc.text + `</p></article></body></html>`
		a, err := web.Extract("https://blog.example.com/p", []byte(body))
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.lang, a.Lang, tc.name)
		assert.Equal(t, tc.dir, a.Dir, tc.name)
	}
}
