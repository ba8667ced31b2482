// Package realtime is kpbot's WebSocket adapter: Hub serves GET /api/ws,
// following topics of the events.Log whenever an events.Bus (the adapters
// of transport/eventbus) announces a new event. It mounts on the HTTP
// adapter's server through the small Host interface (httpapi.Deps.Mounts)
// and decides topic rights with notify.TopicRights; it imports no other
// adapter (docs/architecture.md).
//
// Hub serves GET /api/ws (docs/contract.md, "Real time"). Messages are JSON
// text frames.
//
// Authentication: an Authorization: Bearer header on the upgrade (an
// invalid token is a 401 problem, one over MaxSocketsPerUser a 429), or,
// for browsers, {"type":"auth","token":"<jwt>"} as the first message
// within AuthTimeout (5 s), answered with
// {"type":"authenticated","user_id":...,"expires_at":...}; anything else
// closes with 4401. Browser origins must be the server's own host or on
// the CORS allowlist (403 otherwise). Every AuthCheckInterval (3 s) the
// hub checks each distinct token again against the auth service, whose
// session lookup hits the shared database, so a token that expires or a
// session revoked on any instance closes its sockets with 4401. A client
// may send a fresh token of the same user as another auth message at any
// time to keep its socket past the first token's expiry.
//
// Subscribing: {"type":"subscribe","topics":["user","campaign:<id>",
// "run:<id>"],"since":<seq>?}. Each topic is answered, in order, with
// {"type":"subscribed","topic":...,"seq":<the topic's last seq now>} (an
// addition to the contract) or {"type":"error","code":"forbidden"|
// "bad_request"|"too_many_topics"|"internal","topic":...,"message":...};
// the others stay subscribed. "user" is the caller's own user topic and is
// always shown as "user". Subscribing to a followed topic again restarts
// it from the new since. {"type":"unsubscribe","topics":[...]} is
// answered with {"type":"unsubscribed","topic":...}; {"type":"ping"} with
// {"type":"pong"} for clients that cannot send ping frames.
//
// Events: {"type":"event","topic":...,"seq":...,"event":...,"data":...,
// "at":...}. Without since a subscription starts after the topic's last
// event; with since every stored event after since is replayed first (in
// pages, never filling the send queue beyond half), then live events
// follow with no gap and no duplicate: each (socket, topic) keeps the last
// seq queued, the replay reads the Log until it has caught up with the
// hub's own read position for the topic, and only then do the hub's
// readers start queuing to it, skipping any seq at or below its cursor.
//
// Fan-out: one Bus subscription per hub. A Notice above the hub's read
// position of a followed topic marks the topic dirty; a few reader
// goroutines read dirty topics from the Log once (not once per socket),
// encode each event once and queue the same bytes to every live follower.
// Lagged marks every followed topic dirty.
//
// Back-pressure and limits: each socket has a bounded send queue
// (SendQueue) written by a goroutine that exists only while there is
// something to write, so an idle socket costs one reader goroutine and
// its buffers. A socket whose queue is full is closed with 4008 ("too
// slow"; reconnect and resubscribe with since) and never delays the
// publisher or the others; if even the close frame cannot be written
// within a few seconds, the connection is cut (1006 at the client). Other
// limits: MaxMessageBytes per client message (1009 beyond),
// MaxTopicsPerSocket, MaxSocketsPerUser. Sockets are pinged every
// PingInterval. Hub.Close sends 1001 (going away) to every socket.
// Metrics on the server's registry: kpbot_ws_connections,
// kpbot_ws_slow_clients_dropped_total, kpbot_ws_auth_closed_total,
// kpbot_ws_events_sent_total.
package realtime
