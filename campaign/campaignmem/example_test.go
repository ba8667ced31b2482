package campaignmem_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/campaignmem"
	"github.com/kpbot/kpbot/storage"
)

// The campaign service on the in-memory stores: what a domain test or a
// prototype needs instead of a database.
func ExampleNew() {
	ctx := context.Background()
	store := campaignmem.New()
	svc, err := campaign.NewService(campaign.Config{}, store.Stores())
	if err != nil {
		log.Fatal(err)
	}

	ada := &auth.Principal{User: &auth.User{ID: "ada", Role: auth.RoleUser}}
	bob := &auth.Principal{User: &auth.User{ID: "bob", Role: auth.RoleUser}}
	c, err := svc.Create(ctx, ada, campaign.CreateInput{
		Name: "postgres blogs", Keywords: []string{"postgres"}, SeedURLs: []string{"https://blog.example.test/"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.MaxProspects, c.Tone)

	_, err = svc.Get(ctx, bob, c.ID)
	fmt.Println("bob reads ada's campaign, not found:", errors.Is(err, campaign.ErrNotFound))
	if err := svc.Delete(ctx, ada, c.ID); err != nil {
		log.Fatal(err)
	}
	page, err := svc.List(ctx, ada, false, storage.ListParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ada's campaigns after delete:", len(page.Items))
	// Output:
	// postgres blogs 50 friendly
	// bob reads ada's campaign, not found: true
	// ada's campaigns after delete: 0
}
