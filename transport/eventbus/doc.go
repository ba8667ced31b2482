// Package eventbus holds the events.Bus adapters that wake live
// subscribers (the WebSocket hub of transport/realtime, the session cache
// of auth/authbus) on one instance (Local) or on every instance (Postgres
// with LISTEN/NOTIFY, Redis with pub/sub). The conformance suite every
// adapter runs is eventbus/bustest.
//
// Every adapter carries only a Notice's topic and seq ("<topic>:<seq>", a
// few hundred bytes at most, far under NOTIFY's 8000-byte limit); the
// subscriber reads the event itself from the events.Log, so an event of
// any size crosses instances. A Notice is a hint and the Log is the truth:
// subscribers keep the last seq they have read per topic and, on a Notice,
// read the Log after it.
//
// Each subscription has a bounded buffer. Publish never waits for a
// subscriber: when a subscriber's buffer is full its Notice is dropped and
// a Notice{Lagged: true} is queued in the slot kept free for it, so the
// subscriber learns to re-read every topic it follows. The cross-instance
// adapters also queue Lagged for every subscriber after reconnecting, since
// notices sent while they were disconnected are lost.
package eventbus
