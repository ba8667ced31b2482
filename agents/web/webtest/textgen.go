package webtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Topics the generator writes about.
const (
	TopicPostgres = "postgres"
	TopicGolang   = "golang"
	TopicDBPerf   = "database performance"
	TopicCooking  = "cooking"
)

// topicWords is the vocabulary and sentence templates of one topic.
// Templates use {s} and {t} for two subjects, {n} for a number and {m}
// for a measure.
type topicWords struct {
	subjects  []string
	measures  []string
	sentences []string
	titles    []string
	headings  []string
}

var topics = map[string]topicWords{
	TopicPostgres: {
		subjects: []string{"autovacuum", "the WAL writer", "pg_stat_statements", "a partial index", "a BRIN index",
			"logical replication", "PgBouncer in transaction mode", "table partitioning", "HOT updates",
			"the query planner", "a GIN index on jsonb", "shared_buffers", "work_mem", "index bloat",
			"a hash join", "row-level security", "the visibility map", "checkpoint tuning", "Postgres 17"},
		measures: []string{"dead tuples", "WAL volume", "replication lag", "buffer hit ratio",
			"checkpoint duration", "index size", "transaction rate", "lock wait time"},
		sentences: []string{
			"We turned on {s} expecting little, and {m} dropped by {n} percent within a week.",
			"The surprising part was how {s} interacted with {t} once the table passed {n} million rows.",
			"Reading EXPLAIN (ANALYZE, BUFFERS) made it obvious that {s} was doing the heavy lifting, not {t}.",
			"Postgres reports {m} in pg_stat_user_tables, so we graphed it next to {s} for a month.",
			"If you only change one setting, make it {s}; {t} can wait until you have numbers.",
			"Our staging cluster never showed the problem, because {m} only climbs under real write load.",
			"After a VACUUM FULL the {m} looked healthy again, but {s} brought the regression back within days.",
			"The documentation on {s} is accurate but terse, and it never mentions {t}.",
			"We kept a runbook entry for {s} with the exact queries we used to watch {m}.",
			"A colleague pointed out that {t} was masking the real cost of {s}.",
			"Nothing about {s} is magic: it trades {m} now for less work later.",
			"On Postgres the cheapest fix was to let {s} run more often and keep {t} as it was.",
		},
		titles: []string{"What {s} taught us about {m}", "A practical guide to {s} in Postgres",
			"Tuning {s} without guesswork", "Why {m} spiked after we enabled {s}",
			"{n} lessons from a year of {s}", "Postgres internals: {s} explained"},
		headings: []string{"What we measured", "The fix", "What we would do differently", "Background", "Numbers"},
	},
	TopicGolang: {
		subjects: []string{"context cancellation", "a bounded worker pool", "sync.Pool", "escape analysis",
			"generics", "the race detector", "pprof heap profiles", "errgroup", "the GC pacer",
			"GOMEMLIMIT", "structured logging with slog", "table-driven tests", "goroutine leaks",
			"http.Server timeouts", "the iter package", "fuzzing with go test", "channel direction types"},
		measures: []string{"allocations per request", "p99 latency", "goroutine count", "heap in use",
			"GC pause time", "CPU time", "binary size", "test run time"},
		sentences: []string{
			"In Go, {s} is easy to start with and easy to get subtly wrong around {t}.",
			"The benchmark showed {m} falling by {n} percent once {s} replaced our hand-rolled code.",
			"We ran the service with -race for a week and {s} turned up two bugs that {t} had hidden.",
			"A goroutine that ignores its context will outlive the request, and {m} will tell you so.",
			"Golang makes {s} look trivial, which is exactly why we wrote tests for {t} first.",
			"pprof pointed at {s}, not at {t}, which is where everyone had been looking.",
			"We capped {m} by combining {s} with {t}, and the pager went quiet.",
			"The standard library already had most of what we needed; {s} filled the gap.",
			"Our rule now is simple: every use of {s} comes with a test that exercises {t}.",
			"When {m} doubled after a deploy, the diff contained one innocent-looking change to {s}.",
			"The Go team's write-up on {s} is worth reading twice, especially the part about {t}.",
			"We measured {m} before and after, because opinions about {s} are cheap.",
		},
		titles: []string{"Getting {s} right in Go", "How {s} cut our {m}", "A field guide to {s} in golang",
			"Debugging {s} in production Go services", "{n} mistakes we made with {s}", "Go internals: {s}"},
		headings: []string{"The problem", "A minimal reproduction", "What changed", "Benchmarks", "Takeaways"},
	},
	TopicDBPerf: {
		subjects: []string{"a covering index", "N+1 queries", "connection pool sizing", "cardinality estimates",
			"query plan caching", "batch inserts", "read replicas", "keyset pagination", "lock contention",
			"a composite index", "statistics targets", "prepared statements", "denormalised counters",
			"the slow query log", "buffer cache pressure", "write amplification"},
		measures: []string{"query latency", "rows scanned", "p95 response time", "disk reads",
			"connections in use", "queries per second", "cache misses", "lock waits"},
		sentences: []string{
			"Database performance work starts with measuring {m}, not with adding {s}.",
			"Replacing OFFSET with {s} kept {m} flat even on page {n} of the results.",
			"The database was fine; {s} in the ORM was issuing {n} queries per page view.",
			"Once {t} was in place, {m} dropped and the database stopped being the bottleneck.",
			"We learned to distrust averages: {m} looked fine while {s} hurt the slowest requests.",
			"Adding {s} helped reads but raised {m} on every write, a trade we had to accept knowingly.",
			"The planner chose a sequential scan because {s} was stale, and {t} did not help.",
			"A load test at {n} requests per second exposed {s} long before production did.",
			"For database performance, {s} was the highest-leverage change we made all year.",
			"Sizing {s} from the number of CPU cores, not from a guess, cut {m} in half.",
			"We wrote down the query, the plan and {m} for every change, so {s} could be judged fairly.",
			"It turned out {t} and {s} were fighting over the same rows.",
		},
		titles: []string{"Database performance: {s} in practice", "How {s} fixed our {m}",
			"The hidden cost of {s}", "{n} database performance lessons from {s}",
			"When {s} is the wrong answer", "Measuring {m} before touching {s}"},
		headings: []string{"Symptoms", "Diagnosis", "The change", "Results", "Caveats"},
	},
	TopicCooking: {
		subjects: []string{"a sourdough starter", "braised short ribs", "weeknight ramen", "a cast-iron skillet",
			"roasted cauliflower", "lemon risotto", "homemade stock", "brown butter", "a sheet-pan dinner",
			"pickled red onions", "slow-cooked beans", "fresh pasta", "miso glaze", "a spice rub"},
		measures: []string{"prep time", "oven temperature", "resting time", "salt", "acidity", "crunch",
			"simmering time", "serving size"},
		sentences: []string{
			"Every cook I know has an opinion about {s}, and most of them involve {t}.",
			"I let {s} rest for {n} minutes, which made all the difference to the {m}.",
			"The trick with {s} is patience: turn the heat down and let {t} do the work.",
			"My grandmother never measured the {m}, but she always paired {s} with {t}.",
			"If the kitchen smells of {s} by six o'clock, dinner is already half done.",
			"A squeeze of lemon at the end lifts {s} more than any extra {m} would.",
			"We cooked {s} {n} times this winter and the family still asks for it.",
			"Leftover {s} becomes lunch the next day, especially with {t} on the side.",
			"Do not rush the {m}; {s} rewards a slow afternoon in the kitchen.",
			"Buy good olive oil for {s} and save the cheap bottle for {t}.",
		},
		titles: []string{"Sunday supper: {s}", "The easiest {s} you will ever make", "{n} ways to use {s}",
			"Why I always keep {s} in the fridge", "A cozy bowl of {s}", "Notes from the stove: {s}"},
		headings: []string{"Ingredients", "Method", "Serving", "Variations", "Storage"},
	},
}

// textGen writes deterministic prose about one topic.
type textGen struct {
	w topicWords
	r *rand.Rand
}

func newTextGen(topic string, seed, stream uint64) *textGen {
	w, ok := topics[topic]
	if !ok {
		panic(fmt.Sprintf("webtest: unknown topic %q", topic))
	}
	return &textGen{w: w, r: rand.New(rand.NewPCG(seed, stream))}
}

func (g *textGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// fill replaces the template slots with vocabulary.
func (g *textGen) fill(tpl string) string {
	s := g.pick(g.w.subjects)
	t := g.pick(g.w.subjects)
	for t == s && len(g.w.subjects) > 1 {
		t = g.pick(g.w.subjects)
	}
	return strings.NewReplacer(
		"{s}", s, "{t}", t, "{m}", g.pick(g.w.measures), "{n}", fmt.Sprint(2+g.r.IntN(40)),
	).Replace(tpl)
}

func (g *textGen) title() string {
	t := g.fill(g.pick(g.w.titles))
	return strings.ToUpper(t[:1]) + t[1:]
}

func (g *textGen) sentence() string {
	s := g.fill(g.pick(g.w.sentences))
	return strings.ToUpper(s[:1]) + s[1:]
}

func (g *textGen) paragraph() string {
	n := 3 + g.r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.sentence()
	}
	return strings.Join(parts, " ")
}

// body returns the post's sections: paragraphs with an occasional heading
// (headings are prefixed with "## ").
func (g *textGen) body() []string {
	n := 5 + g.r.IntN(4)
	var out []string
	for i := 0; i < n; i++ {
		if i > 0 && i%3 == 0 {
			out = append(out, "## "+g.pick(g.w.headings))
		}
		out = append(out, g.paragraph())
	}
	return out
}

// slugify turns a title into a URL slug.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

var authors = []string{"Ada Lindqvist", "Mateo Ruiz", "Priya Raman", "Tomasz Nowak", "Grace Okafor",
	"Lena Fischer", "Hiro Tanaka", "Chloé Martin", "Sam Whitfield", "Noor Haddad"}
