package httpapi

import (
	"maps"
	"reflect"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
)

// CommentReviewedData is the data of a comment.reviewed event and of the
// comment.reviewed notification; notify declares it.
type CommentReviewedData = notify.CommentReviewedData

// eventVariant is one shape of EventMessage: the event names that carry
// data of one Go type.
type eventVariant struct {
	schema string       // component name of the variant
	names  []string     // the event names
	data   reflect.Type // the data's type; nil: NotificationEventData
	doc    string
}

func eventVariants() []eventVariant {
	return []eventVariant{
		{"RunStatusEvent", []string{agents.EventRunQueued, agents.EventRunStarted, agents.EventRunSucceeded, agents.EventRunFailed, agents.EventRunCancelled},
			reflect.TypeFor[agents.RunEventData](), "A run changed status (on its run:<id> and campaign:<id> topics)."},
		{"RunProgressEvent", []string{agents.EventRunProgress},
			reflect.TypeFor[agents.ProgressData](), "A run advanced: progress 0..1 and the step it is in."},
		{"ProspectFoundEvent", []string{agents.EventProspectFound},
			reflect.TypeFor[agents.ProspectFoundData](), "The crew found a blog post for the campaign."},
		{"CommentDraftedEvent", []string{agents.EventCommentDrafted},
			reflect.TypeFor[agents.CommentDraftedData](), "The crew stored a comment draft for review."},
		{"CommentReviewedEvent", []string{events.CommentReviewed},
			reflect.TypeFor[CommentReviewedData](), "A moderator approved or rejected a draft (on the campaign:<id> topic)."},
		{"NotificationEvent", []string{events.Notification},
			nil, "A new notification for the caller (on the user topic)."},
	}
}

// notificationDataTypes are the data shapes of the notification kinds
// kpbot sends: run.succeeded, run.failed, run.cancelled and budget.reached
// carry RunNotificationData, comment.reviewed CommentReviewedData.
func notificationDataTypes() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[notify.RunNotificationData](), reflect.TypeFor[CommentReviewedData]()}
}

// documentEvents gives the event and notification payloads exact schemas:
// EventMessage becomes a oneOf of one variant per event family, each with
// its event names and its data schema, and a notification's data is a
// oneOf of the shapes kpbot's notification kinds carry. Only responses
// use these types, so the schemas only document.
func documentEvents(api huma.API) {
	reg := api.OpenAPI().Components.Schemas
	schemas := reg.Map()

	// Notifications: register the view, then narrow its data.
	reg.Schema(reflect.TypeFor[NotificationView](), true, "")
	noteData := &huma.Schema{Description: "Details for the kind: RunNotificationData for run.* and budget.reached, CommentReviewedData for comment.reviewed."}
	for _, t := range notificationDataTypes() {
		noteData.OneOf = append(noteData.OneOf, reg.Schema(t, true, ""))
	}
	view := schemas["NotificationView"]
	view.Properties["data"] = noteData
	noteEvent := &huma.Schema{
		Type: huma.TypeObject, AdditionalProperties: false,
		Description: "The data of a notification event: the notification as GET /api/notifications shows it, without its read state.",
		Properties:  map[string]*huma.Schema{},
	}
	for name, p := range view.Properties {
		if name != "read" && name != "read_at" {
			noteEvent.Properties[name] = p
		}
	}
	noteEvent.Required = slices.DeleteFunc(slices.Clone(view.Required), func(n string) bool { return n == "read" || n == "read_at" })
	schemas["NotificationEventData"] = noteEvent

	// Events: one variant per family.
	reg.Schema(reflect.TypeFor[EventMessage](), true, "")
	base := schemas["EventMessage"]
	union := &huma.Schema{Description: "One stored event, as GET /api/events lists it and the WebSocket sends it: " +
		"`event` names what happened and decides the shape of `data`."}
	for _, v := range eventVariants() {
		props := maps.Clone(base.Properties)
		names := make([]any, len(v.names))
		for i, n := range v.names {
			names[i] = n
		}
		props["event"] = &huma.Schema{Type: huma.TypeString, Enum: names, Description: "What happened: one of this shape's event names."}
		if v.data == nil {
			props["data"] = &huma.Schema{Ref: "#/components/schemas/NotificationEventData"}
		} else {
			props["data"] = reg.Schema(v.data, true, "")
		}
		schemas[v.schema] = &huma.Schema{
			Type: huma.TypeObject, Description: v.doc, AdditionalProperties: false,
			Properties: props, Required: slices.Clone(base.Required),
		}
		union.OneOf = append(union.OneOf, &huma.Schema{Ref: "#/components/schemas/" + v.schema})
	}
	schemas["EventMessage"] = union

	if st := schemas["RunEventData"]; st != nil {
		st.Properties["status"].Enum = runStatuses()
	}
}

// runStatuses lists agents.RunStatus values for the document.
func runStatuses() []any {
	return []any{
		string(agents.RunQueued), string(agents.RunRunning), string(agents.RunSucceeded),
		string(agents.RunFailed), string(agents.RunCancelled),
	}
}
