package relevance

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// Config tunes a Scorer. Zero fields take the documented defaults.
type Config struct {
	K1            float64       // BM25 term-frequency saturation; default 1.2
	B             float64       // BM25 length normalisation, 0..1; default 0.75
	TitleWeight   float64       // a title occurrence counts as this many body occurrences; default 3
	RecencyWeight float64       // share of the score that depends on age, 0..1; default 0.2
	HalfLife      time.Duration // age at which the recency factor halves; default 90 days
	TopicWeight   float64       // a topic term counts as this share of a keyword term, 0..1; default 0.5
	// DefaultDocLength is the average document length, in terms, assumed
	// until a document has been observed; default 400.
	DefaultDocLength float64
}

func (c Config) withDefaults() Config {
	if c.K1 == 0 {
		c.K1 = 1.2
	}
	if c.B == 0 {
		c.B = 0.75
	}
	if c.TitleWeight == 0 {
		c.TitleWeight = 3
	}
	if c.RecencyWeight == 0 {
		c.RecencyWeight = 0.2
	}
	if c.HalfLife == 0 {
		c.HalfLife = 90 * 24 * time.Hour
	}
	if c.DefaultDocLength == 0 {
		c.DefaultDocLength = 400
	}
	if c.TopicWeight == 0 {
		c.TopicWeight = 0.5
	}
	return c
}

// Validate reports a configuration a Scorer cannot use.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.K1 < 0, c.TitleWeight < 0, c.DefaultDocLength < 0:
		return errors.New("relevance config: K1, TitleWeight and DefaultDocLength must not be negative")
	case c.B < 0 || c.B > 1:
		return errors.New("relevance config: B must be within 0..1")
	case c.RecencyWeight < 0 || c.RecencyWeight > 1, c.TopicWeight < 0 || c.TopicWeight > 1:
		return errors.New("relevance config: RecencyWeight and TopicWeight must be within 0..1")
	case c.HalfLife < 0:
		return errors.New("relevance config: HalfLife must not be negative")
	}
	return nil
}

// Scorer rates documents against a fixed set of keywords with BM25.
//
// It learns its corpus statistics from the documents passed to Observe, as
// they stream past, and keeps no text: only the number of documents, their
// total length in terms, and, for each keyword term, the number of
// documents containing it. IDF is therefore computed over the running
// corpus seen so far, as ln(1 + (N - df + 0.5) / (df + 0.5)), which stays
// positive however common a term gets; before any document is observed
// every keyword term has the same IDF (ln 2) and the average length is
// Config.DefaultDocLength. Memory is O(number of keyword terms).
//
// A Scorer is safe for concurrent use.
type Scorer struct {
	cfg     Config
	terms   []string // distinct keyword and topic terms, sorted
	keyword []bool   // per term: a keyword's (else only a topic's)

	mu       sync.RWMutex
	docs     int
	totalLen int
	df       map[string]int
}

// NewScorer returns a Scorer for keywords; multi-word keywords contribute
// each of their terms. It fails when the config is invalid or the keywords
// hold no term (only stopwords, say).
func NewScorer(cfg Config, keywords ...string) (*Scorer, error) {
	return NewTopicScorer(cfg, keywords, nil)
}

// NewTopicScorer is NewScorer with a campaign's topics as well. Topics
// only ever add: a post's text score is k + TopicWeight × t × (1 - k),
// where k is its keyword score and t its topic score (each 0..1), so a
// post on the topics without the keywords scores at most TopicWeight,
// and a post with the keywords scores no less for missing the topics.
func NewTopicScorer(cfg Config, keywords, topics []string) (*Scorer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	isKeyword := map[string]bool{}
	for _, k := range keywords {
		EachTerm(k, func(t string) { isKeyword[t] = true })
	}
	if len(isKeyword) == 0 {
		return nil, fmt.Errorf("relevance: keywords %q hold no searchable term", keywords)
	}
	for _, k := range topics {
		EachTerm(k, func(t string) {
			if !isKeyword[t] {
				isKeyword[t] = false
			}
		})
	}
	terms := make([]string, 0, len(isKeyword))
	df := make(map[string]int, len(isKeyword))
	for t := range isKeyword {
		terms = append(terms, t)
		df[t] = 0
	}
	sort.Strings(terms)
	s := &Scorer{cfg: cfg, terms: terms, df: df, keyword: make([]bool, len(terms))}
	for i, t := range terms {
		s.keyword[i] = isKeyword[t]
	}
	return s, nil
}

// Terms returns the stemmed keyword and topic terms the Scorer looks for,
// sorted.
func (s *Scorer) Terms() []string { return append([]string(nil), s.terms...) }

// Observe adds one document (its title and text) to the corpus
// statistics. Observe each document once, before or after scoring it.
func (s *Scorer) Observe(text, title string) {
	s.observe(s.count(text, title))
}

// observe is Observe of a counted document.
func (s *Scorer) observe(length int, counts map[string]termCount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs++
	s.totalLen += length
	for t, c := range counts {
		if c.body+c.title > 0 {
			s.df[t]++
		}
	}
}

// Observed returns the number of documents observed so far.
func (s *Scorer) Observed() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.docs
}

// Score rates a document 0..1: its text relevance times a recency factor.
//
// Text relevance is BM25 over the keyword terms, with title occurrences
// weighted by TitleWeight, divided by the score a document would reach if
// every term's frequency saturated (IDF × (K1+1) per term) — so 1 means
// "every keyword, many times", 0 means none; a Scorer with topics adds
// theirs as NewTopicScorer says. The recency factor is
// (1 - RecencyWeight) + RecencyWeight × 2^(-age/HalfLife); an unknown
// published time counts as one half-life old, a future one as new. Recency
// therefore only scales: a post without any keyword or topic scores 0
// however new.
func (s *Scorer) Score(text, title string, published *time.Time, now time.Time) float64 {
	return s.TextScore(text, title) * s.Recency(published, now)
}

// TextScore is Score without the recency factor.
func (s *Scorer) TextScore(text, title string) float64 {
	return s.textScore(text, title, true)
}

// Coverage is TextScore as if no document had been observed yet: every
// term weighs the same and the length is measured against
// DefaultDocLength. It does not depend on the documents read before, so
// it answers "is this post about the keywords (and topics) at all?" the
// same whatever order posts arrive in, while TextScore ranks them.
func (s *Scorer) Coverage(text, title string) float64 {
	return s.textScore(text, title, false)
}

// textScore is TextScore with corpus statistics, or Coverage without.
func (s *Scorer) textScore(text, title string, corpus bool) float64 {
	length, counts := s.count(text, title)
	return s.rate(length, counts, corpus)
}

// Rate is Observe, then Score and Coverage, of one document, which it
// reads once instead of three times.
func (s *Scorer) Rate(text, title string, published *time.Time, now time.Time) (score, coverage float64) {
	length, counts := s.count(text, title)
	s.observe(length, counts)
	return s.rate(length, counts, true) * s.Recency(published, now), s.rate(length, counts, false)
}

// rate is textScore of a counted document.
func (s *Scorer) rate(length int, counts map[string]termCount, corpus bool) float64 {
	idf := make([]float64, len(s.terms))
	avg := s.cfg.DefaultDocLength
	if corpus {
		s.mu.RLock()
		n := float64(s.docs)
		if s.docs > 0 && s.totalLen > 0 {
			avg = float64(s.totalLen) / n
		}
		for i, t := range s.terms {
			df := float64(s.df[t])
			idf[i] = math.Log(1 + (n-df+0.5)/(df+0.5))
		}
		s.mu.RUnlock()
	} else {
		for i := range idf {
			idf[i] = math.Ln2 // the IDF of every term before any document
		}
	}

	k1, b := s.cfg.K1, s.cfg.B
	norm := 1 - b
	if avg > 0 {
		norm += b * float64(length) / avg
	}
	// Keyword terms and topic terms are scored apart, each against its
	// own saturated best; topics then fill part of what the keywords
	// leave: k + TopicWeight × t × (1 - k).
	var score, best [2]float64 // [0] keywords, [1] topics
	for i, t := range s.terms {
		kind := 1
		if s.keyword[i] {
			kind = 0
		}
		best[kind] += idf[i] * (k1 + 1)
		c := counts[t]
		tf := float64(c.body) + s.cfg.TitleWeight*float64(c.title)
		if tf == 0 {
			continue
		}
		score[kind] += idf[i] * tf * (k1 + 1) / (tf + k1*norm)
	}
	var k, topic float64
	if best[0] > 0 {
		k = math.Min(1, score[0]/best[0])
	}
	if best[1] > 0 {
		topic = math.Min(1, score[1]/best[1])
	}
	return k + s.cfg.TopicWeight*topic*(1-k)
}

// Recency returns the recency factor of Score, within
// (1-RecencyWeight)..1.
func (s *Scorer) Recency(published *time.Time, now time.Time) float64 {
	w := s.cfg.RecencyWeight
	fresh := 0.5
	if published != nil {
		age := now.Sub(*published)
		switch {
		case age <= 0:
			fresh = 1
		default:
			fresh = math.Exp2(-float64(age) / float64(s.cfg.HalfLife))
		}
	}
	return (1 - w) + w*fresh
}

type termCount struct{ body, title int }

// count returns the document length in terms (title included) and the
// occurrences of each keyword term in body and title.
func (s *Scorer) count(text, title string) (int, map[string]termCount) {
	counts := make(map[string]termCount, len(s.terms))
	length := 0
	want := func(t string) bool {
		i := sort.SearchStrings(s.terms, t)
		return i < len(s.terms) && s.terms[i] == t
	}
	EachTerm(text, func(t string) {
		length++
		if want(t) {
			c := counts[t]
			c.body++
			counts[t] = c
		}
	})
	EachTerm(title, func(t string) {
		length++
		if want(t) {
			c := counts[t]
			c.title++
			counts[t] = c
		}
	})
	return length, counts
}
