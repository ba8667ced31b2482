// Package notify is kpbot's notifications domain: what a user is told when
// a run finishes or fails, a draft is reviewed or a budget is reached.
// Service stores each notification through the Store port and pushes it
// as a "notification" event on the user's "user:<id>" topic, so a
// connected client sees it at once and the notification endpoints list it
// later. RunEvents turns the crew's run events into notifications for the
// campaign's owner.
//
// The package is domain-level: storage/bunstore implements Store and the
// HTTP endpoints live in transport/httpapi.
package notify
