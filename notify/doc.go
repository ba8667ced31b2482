// Package notify is kpbot's notifications domain: what a user is told when
// a run finishes or fails, a draft is reviewed or a budget is reached.
// Service stores each notification through the Store port and pushes it
// as a "notification" event on the user's "user:<id>" topic, so a
// connected client sees it at once and the notification endpoints list it
// later. RunNotifier turns the crew's run events into notifications for
// the run's owner, whom the events carry; ReviewNotifier publishes a
// draft's review (campaign.Config.OnReviewed) and notifies the campaign's
// owner. See docs/architecture.md, "How data flows".
//
// TopicRights decides who may read which topic (a user's own
// notifications, the campaigns a user may read and their runs), for the
// WebSocket hub and GET /api/events alike. It lives here, beside the
// package that decides who is told what, rather than in events, so that
// events keeps no dependency on users or campaigns.
//
// The package is domain-level: storage/bunstore implements Store and the
// HTTP endpoints live in transport/httpapi.
package notify
