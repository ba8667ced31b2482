package campaignmem

import (
	"slices"
	"time"

	"github.com/kpbot/kpbot/campaign"
)

// The clones copy every slice and pointer, so callers never share memory
// with the store.

func cloneList(l []string) []string {
	if len(l) == 0 {
		return nil // as the bun stores read an empty list back
	}
	return slices.Clone(l)
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func cloneCampaign(c *campaign.Campaign) *campaign.Campaign {
	out := *c
	out.Keywords, out.SeedURLs, out.Topics = cloneList(c.Keywords), cloneList(c.SeedURLs), cloneList(c.Topics)
	return &out
}

func cloneProspect(p *campaign.Prospect) *campaign.Prospect {
	out := *p
	out.PublishedAt = cloneTime(p.PublishedAt)
	return &out
}

func cloneDraft(d *campaign.Draft) *campaign.Draft {
	out := *d
	out.Flags = cloneList(d.Flags)
	out.ReviewedAt = cloneTime(d.ReviewedAt)
	if d.ReviewedBy != nil {
		by := *d.ReviewedBy
		out.ReviewedBy = &by
	}
	out.Edits = slices.Clone(d.Edits)
	return &out
}
