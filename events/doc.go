// Package events is kpbot's event model: the events a run, a review or the
// system emits, stored in a Log with a strictly rising sequence number per
// topic, and a Bus that tells every instance a new event exists.
//
// The Log is the truth and the Bus only carries hints. A Notice says "topic
// T now has an event with seq S"; a subscriber reacts by reading the Log
// after the last seq it has seen (Log.After), so a lost, duplicated or
// reordered Notice never loses, duplicates or reorders an event, and an
// event of any size crosses instances. Publisher ties the two together.
//
// The package is domain-level: it imports no database driver, router or
// broker. Adapters live in storage/bunstore (Log) and transport/eventbus
// (Bus).
package events
