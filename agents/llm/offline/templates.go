package offline

// Tones the writer knows.
const (
	toneFriendly     = "friendly"
	toneProfessional = "professional"
	toneCasual       = "casual"
)

// Moves: how the comment engages with the post's point.
const (
	moveAgree    = iota // agree and add a related consideration
	moveQuestion        // ask a pointed question about a trade-off
	moveCounter         // offer a short counterpoint
	moveCount
)

// Placeholders: {A} the main phrase, {B} a second phrase from elsewhere in
// the post, {C} a third, {Q} a short quote around {A}. Templates are
// written without contractions; friendly and casual drafts get them
// afterwards.

// openers[tone][withQuote] name the main point.
var openers = map[string][2][]string{
	toneFriendly: {
		{
			"Your point about {A} stuck with me.",
			"I had not looked at {A} quite this way before.",
			"The way you walk through {A} makes a lot of sense to me.",
			"It was a pleasure to see {A} explained with real detail.",
		},
		{
			`Your point about {A} stuck with me, especially the line "{Q}".`,
			`The part where you write "{Q}" got me thinking about {A} again.`,
			`I had not looked at {A} quite this way before reading "{Q}".`,
			`"{Q}" is the line I keep coming back to in this one.`,
		},
	},
	toneProfessional: {
		{
			"The section on {A} is the part I found most practical.",
			"Your treatment of {A} matches what I have seen in practice.",
			"The question of {A} deserves more attention than it usually gets.",
			"The distinction you draw around {A} is worth underlining.",
			"Your account of {A} lines up with my own notes on the subject.",
		},
		{
			`The section on {A} is the part I found most practical, in particular "{Q}".`,
			`Your observation that "{Q}" matches what I have seen in practice.`,
			`On {A}: "{Q}" is a point that deserves more attention than it usually gets.`,
			`The distinction you draw around {A} is worth underlining: "{Q}".`,
			`"{Q}" is a precise way to put it, and it lines up with my own notes on {A}.`,
		},
	},
	toneCasual: {
		{
			"Okay, the bit about {A} hit home.",
			"Funny timing: I was wrestling with {A} just last week.",
			"The bit about {A} is exactly what I was hoping someone would cover.",
			"So much of this comes down to {A}, and you nailed why.",
		},
		{
			`"{Q}" is painfully accurate.`,
			`Okay, the bit about {A} hit home, especially "{Q}".`,
			`Funny timing: I was wrestling with {A} just last week, and "{Q}" sums it up.`,
			`Ha, "{Q}", been there.`,
		},
	},
}

// bodies[move][withB] engage with the point.
var bodies = [moveCount][2][]string{
	moveAgree: {
		{
			"I would add that the hard part of {A} is usually keeping it up after the first few weeks.",
			"One thing I would add is that {A} rewards patience more than cleverness.",
			"I would add that {A} is easy to agree with and surprisingly hard to do consistently.",
		},
		{
			"One thing I would add: {A} and {B} tend to pull in different directions, so it is worth checking how they interact before committing to either.",
			"I would add that {B} matters just as much here, since it usually decides whether the gains from {A} last.",
			"It might also be worth mentioning {B}, because that is where {A} tends to get tricky in practice.",
			"In my experience the payoff from {A} comes once you have {B} sorted out first.",
		},
	},
	moveQuestion: {
		{
			"How did you decide when {A} was worth the extra effort?",
			"What would you do differently about {A} if you started over today?",
			"Where do you draw the line on {A} when time is short?",
		},
		{
			"How do you weigh {A} against {B} when you cannot have both?",
			"Did your take on {A} change once {B} came into play, or did it hold up?",
			"What made you settle on {A}, and would {B} change that decision?",
			"Is there a point where focusing on {A} stops being worth the effort, say when {B} takes priority?",
		},
	},
	moveCounter: {
		{
			"I would push back a little on {A}, though, since the same approach can backfire in a different setup.",
			"A small counterpoint: there is a cost to {A} that tends to show up later than the benefits.",
			"That said, I am not fully convinced {A} holds up in every situation.",
		},
		{
			"I would push back a little on {A}, though: depending on {B}, the opposite approach can work just as well.",
			"That said, I am not fully convinced that leaning on {A} is always the right call, since {B} can tip the balance the other way.",
			"A small counterpoint: there are costs to {A} that are easy to miss, and {B} is where they usually show up.",
			"Where I would disagree slightly is on {A}; in my case {B} mattered more than I expected.",
		},
	},
}

// closers[tone][asks] end the comment, with a question or a remark.
var closers = map[string][2][]string{
	toneFriendly: {
		{
			"Either way, thank you for laying out {A} so clearly.",
			"Either way, this gave me a few things to try.",
			"I will be thinking about {A} for a while.",
		},
		{
			"Have you run into that yourself?",
			"Have you tried that, by any chance?",
			"Did you see the same thing on your side?",
		},
	},
	toneProfessional: {
		{
			"It would make a good subject for a follow-up.",
			"That trade-off seems central to getting {A} right.",
			"It is a useful framing for anyone weighing {A}.",
			"I expect to return to this the next time {A} comes up.",
		},
		{
			"What is your view on that trade-off?",
			"Have you seen the same pattern elsewhere?",
			"How would you approach that in a larger setup?",
			"Would you handle it the same way next time?",
		},
	},
	toneCasual: {
		{
			"Either way, I will be chewing on {A} for a while.",
			"Anyway, food for thought.",
			"Either way, you have given me homework.",
		},
		{
			"Anyway, what do you think?",
			"Have you hit that too?",
			"Have you tried it the other way round?",
		},
	},
}

// extras add a sentence about a third point, for longer drafts.
var extras = []string{
	"I also appreciated the detail on {C}.",
	"The note on {C} was a nice touch as well.",
	"What you said about {C} could fill its own article.",
	"I will be chewing on the part about {C} as well.",
}

// contractions turn the templates' full forms into speech for friendly
// and casual drafts.
var contractions = []string{
	"I would ", "I'd ",
	"I have not ", "I haven't ",
	"I am ", "I'm ",
	"I will ", "I'll ",
	"it is ", "it's ",
	"It is ", "It's ",
	"there is ", "there's ",
	"cannot ", "can't ",
	"did not ", "didn't ",
	"do not ", "don't ",
	"you have ", "you've ",
	"I have ", "I've ",
}
