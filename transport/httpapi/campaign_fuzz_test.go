package httpapi

import "testing"

func FuzzCreateCampaignBody(f *testing.F) {
	fuzzBody(f, "/api/campaigns", true,
		`{"name":"Go blogs","keywords":["golang","testing"]}`,
		`{"name":"Full","keywords":["rust"],"seed_urls":["https://blog.example.com/"],"topics":["memory"],"language":"pt-BR","tone":"casual","max_prospects":10,"comment_guidelines":"Be brief.","allow_links":true,"daily_draft_limit":5}`,
		`{"name":"","keywords":[]}`,
		`{"name":"N","keywords":["go",""],"seed_urls":["javascript:alert(1)","http://[::1"]}`,
		`{"name":"\u0000","keywords":["\ud800"],"language":"x-\u00e9"}`,
		`{"name":"N","keywords":["go"],"max_prospects":1e999}`,
		`{"name":"N","keywords":["go"],"owner_id":"x","status":"archived"}`,
		`{"name":null,"keywords":null}`, `{`, `null`, `[]`, ``,
	)
}
