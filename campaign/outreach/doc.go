// Package outreach connects campaigns to the agent crew: Sink stores what a
// run finds as the campaign's prospects and drafts, Runs starts, lists and
// cancels runs under the campaigns' access rules, and Tools runs the agents
// once, synchronously, outside any campaign.
package outreach
