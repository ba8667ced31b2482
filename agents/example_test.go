package agents_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/campaignmem"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/storage"
)

// A crew run with nothing installed: the campaign stores in memory
// (campaign/campaignmem), the runs in memory (crewtest.RunStore), the
// offline model, and a local blog served over HTTP by agents/web/webtest.
func ExampleRunner_Execute() {
	ctx := context.Background()
	var blogs webtest.Closer
	defer blogs.Close()
	blog := webtest.NewCorpus(&blogs).Site("pgnotes") // a WordPress-style blog about PostgreSQL

	store := campaignmem.New()
	campaigns, err := campaign.NewService(campaign.Config{}, store.Stores())
	if err != nil {
		log.Fatal(err)
	}
	crewSide, err := campaign.NewCrewService(campaign.CrewConfig{}, store.Stores())
	if err != nil {
		log.Fatal(err)
	}
	ada := &auth.Principal{User: &auth.User{ID: "ada", Role: auth.RoleUser}}
	c, err := campaigns.Create(ctx, ada, campaign.CreateInput{
		Name: "postgres blogs", Keywords: []string{"postgres", "index", "query"}, SeedURLs: []string{blog.SeedURL()},
	})
	if err != nil {
		log.Fatal(err)
	}

	fetcher, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay}) // the blog is on 127.0.0.1
	if err != nil {
		log.Fatal(err)
	}
	model, err := offline.New(offline.Config{})
	if err != nil {
		log.Fatal(err)
	}
	members, err := crewtest.Outreach(fetcher, model, outreach.NewSink(crewSide))
	if err != nil {
		log.Fatal(err)
	}
	crew, err := agents.OutreachCrew(members)
	if err != nil {
		log.Fatal(err)
	}
	runner, err := agents.NewRunner(crew, crewtest.NewRunStore(), agents.NewRecorder(), agents.RunnerConfig{})
	if err != nil {
		log.Fatal(err)
	}

	run, err := runner.Create(ctx, outreach.BriefOf(c))
	if err != nil {
		log.Fatal(err)
	}
	if err := runner.Execute(ctx, run.ID); err != nil {
		log.Fatal(err)
	}
	run, err = runner.Store().Get(ctx, run.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("run:", run.Status, run.Progress)
	for _, s := range run.Steps {
		fmt.Println("step:", s.Name, s.Status)
	}

	drafts, err := campaigns.ListDrafts(ctx, ada, c.ID, "", storage.ListParams{})
	if err != nil {
		log.Fatal(err)
	}
	var titles []string
	for _, d := range drafts.Items {
		p, err := crewSide.ProspectByID(ctx, d.ProspectID)
		if err != nil {
			log.Fatal(err)
		}
		titles = append(titles, p.Title)
	}
	slices.Sort(titles)
	fmt.Println("drafts:", len(drafts.Items))
	for _, t := range titles {
		fmt.Println("  on:", t)
	}
	// Output:
	// run: succeeded 1
	// step: research succeeded
	// step: analysis succeeded
	// step: drafting succeeded
	// drafts: 5
	//   on: Postgres internals: the WAL writer explained
	//   on: What a BRIN index taught us about checkpoint duration
	//   on: Why dead tuples spiked after we enabled row-level security
	//   on: Why dead tuples spiked after we enabled the WAL writer
	//   on: Why replication lag spiked after we enabled index bloat
}
