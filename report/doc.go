// Package report is kpbot's error-tracking port: a Reporter receives every
// failure an operator must hear about (a 500, a recovered panic, a failed
// or discarded job, a lost event-bus connection) with the identifiers
// that tie it to a request, a user and a run. The log adapter (NewLog) is
// the default; report/sentryreport sends to Sentry or GlitchTip; Limit
// counts rather than re-sends duplicates within a window; Tee sends to
// several.
//
// Events carry identifiers only: never e-mail addresses, tokens or
// request bodies.
package report
