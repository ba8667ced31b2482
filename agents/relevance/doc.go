// Package relevance scores blog posts against a campaign's keywords with
// BM25 plus a recency factor, and holds the tokenizer (lower-casing,
// stopwords, light stemming) the crew's text checks share.
package relevance
