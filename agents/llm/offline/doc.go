// Package offline is the default agents.LLM adapter: it needs no model and
// no network. For a comment-drafting request (GenerateRequest.Post) it
// reads the post, scores its terms TF-IDF style (sentences of the post as
// the documents, title words and campaign keywords boosted, boilerplate
// such as "subscribe" or "cookie" sentences skipped), picks a salient
// sentence and a concrete phrase from it plus a second phrase from
// elsewhere, and writes two to four sentences that engage with them: agree
// and add a consideration, ask about a trade-off, or offer a short
// counterpoint, in a friendly, professional or casual register.
//
// Output is deterministic for the same request (the random choices are
// seeded from a hash of the post URL and the attempt number) and varies
// across posts and attempts. Reviewer feedback from a previous attempt
// (PostContext.Feedback) is acted on: too short → an extra sentence, too
// long → fewer sentences and no quote, no post reference → a quoted term
// (the ones the reviewer suggests first), generic praise → no praise
// opener, near duplicate → another sentence and templates, keyword
// stuffing → phrases without campaign keywords.
//
// Limits: the templates are English only; for a post in any other
// PostContext.Language it writes nothing and returns an error wrapping
// agents.ErrLanguageUnsupported, so the crew skips that post's draft
// (counted in the run's drafts_skipped_language) instead of writing
// English under it. An unknown language ("") is written in English. Free-text
// guidelines are honoured only for a few recognisable cues ("brief",
// "ask a question", "no questions"). Requests without a Post are answered
// from the last user message, treated as the post text. Usage is an
// estimate: 1.3 tokens per word; CostUSD is 0.
package offline
