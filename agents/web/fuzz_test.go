package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kpbot/kpbot/agents/web"
)

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://Example.com:443/a/../b/?utm_source=x&b=2&a=1#frag",
		"http://[::1]:80/", "http://127.0.0.1:8080/p/?ref=x", "https://e.example/%zz", "//no-scheme/x",
		"https://e.example/a;b?c=d;utm_x=1", "https://user@e.example", "", "https://e.example/?&&=&",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := web.CanonicalURL(raw)
		if twice := web.CanonicalURL(once); twice != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", raw, once, twice)
		}
		if strings.HasPrefix(once, "http") && strings.Contains(once, "://") && once != strings.TrimSpace(raw) {
			if strings.Contains(once, "#") {
				t.Fatalf("fragment kept: %q -> %q", raw, once)
			}
		}
	})
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(`<html><head><title>T</title><meta property="article:published_time" content="2024-01-02"></head><body><article><p>Hello world, this is text.</p></article><div id="disqus_thread"></div></body></html>`))
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":"Article","author":[{"name":1}],"datePublished":[]}]}</script><p>x</p>`))
	f.Add([]byte(`<meta charset="shift_jis"><form id="commentform"><textarea name="comment"></textarea></form><p>テキスト</p>`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		art, err := web.Extract("https://blog.example.com/post", body)
		if err != nil {
			return
		}
		if len(art.Text) > web.MaxTextBytes {
			t.Fatalf("text %d bytes over the cap", len(art.Text))
		}
		if !slices.Contains(web.CommentSystems(), art.Comments.System) {
			t.Fatalf("unknown comment system %q", art.Comments.System)
		}
		if art.Dir != web.DirLTR && art.Dir != web.DirRTL {
			t.Fatalf("direction %q", art.Dir)
		}
	})
}
