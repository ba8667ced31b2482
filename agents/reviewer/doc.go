// Package reviewer is the crew's quality check for comment drafts: length
// bounds, a concrete reference to the post, no links unless allowed, no
// generic praise, no near-copy of another draft, no keyword stuffing, no
// shouting. Review scores a draft 0..100, flags what is wrong and says why
// in words the writer can act on.
package reviewer
