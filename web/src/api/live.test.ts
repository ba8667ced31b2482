import { describe, expect, it } from 'vitest'
import { QueryClient } from '@tanstack/react-query'
import { LiveClient, type LiveEvent } from './live'
import { applyEvent } from './cache'

/**
 * A WebSocket hub speaking /api/ws's protocol in memory: a stored log per
 * topic, replay after `since`, live fan-out, and sockets it can drop.
 */
class Hub {
  logs = new Map<string, LiveEvent[]>()
  sockets = new Set<FakeSocket>()
  subscribes: unknown[] = []
  publish(topic: string, event: string, data: Record<string, unknown> = {}) {
    const log = this.logs.get(topic) ?? []
    this.logs.set(topic, log)
    const e: LiveEvent = { type: 'event', topic, seq: log.length + 1, event, data, at: new Date().toISOString() }
    log.push(e)
    for (const s of this.sockets) if (s.topics.has(topic)) s.deliver(e)
  }
  dropAll(code = 1006) {
    for (const s of [...this.sockets]) s.serverClose(code)
  }
  WebSocket() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const hub = this
    return class extends FakeSocket {
      constructor(url: string) {
        super(url, hub)
      }
    } as unknown as typeof WebSocket
  }
}

class FakeSocket {
  readyState = 0
  topics = new Set<string>()
  onopen: (() => void) | null = null
  onmessage: ((m: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  onerror: (() => void) | null = null
  private authed = false
  constructor(
    public url: string,
    private hub: Hub,
  ) {
    hub.sockets.add(this)
    queueMicrotask(() => {
      this.readyState = 1
      this.onopen?.()
    })
  }
  deliver(e: LiveEvent) {
    if (this.readyState === 1) queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(e) }))
  }
  private reply(m: unknown) {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(m) }))
  }
  send(raw: string) {
    const m = JSON.parse(raw)
    if (m.type === 'auth') {
      if (m.token !== 'tok') return this.serverClose(4401)
      if (!this.authed) this.reply({ type: 'authenticated', user_id: 'u1' })
      this.authed = true
      return
    }
    if (m.type === 'subscribe') {
      this.hub.subscribes.push(m)
      for (const t of m.topics as string[]) {
        const log = this.hub.logs.get(t) ?? []
        this.topics.add(t)
        this.reply({ type: 'subscribed', topic: t, seq: log.length })
        if (typeof m.since === 'number') for (const e of log.filter((x) => x.seq > m.since)) this.deliver(e)
      }
    }
  }
  close() {
    this.serverClose(1000)
  }
  serverClose(code: number) {
    if (this.readyState === 3) return
    this.readyState = 3
    this.hub.sockets.delete(this)
    queueMicrotask(() => this.onclose?.({ code }))
  }
}

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('LiveClient', () => {
  it('resumes after a dropped socket with exactly since+1..N: no gap, no duplicate', async () => {
    const hub = new Hub()
    const seen: number[] = []
    const live = new LiveClient({
      url: 'ws://kp.test/api/ws',
      token: () => 'tok',
      refresh: async () => 'tok',
      onEvent: (e) => seen.push(e.seq),
      WebSocket: hub.WebSocket(),
      minDelay: 1,
      maxDelay: 5,
    })
    hub.publish('run:1', 'run.queued') // before we subscribe: stored, seq 1
    live.subscribe('run:1', 0)
    live.start()
    await until(() => seen.length === 1)
    hub.publish('run:1', 'run.started')
    hub.publish('run:1', 'run.progress', { progress: 0.1 })
    await until(() => seen.length === 3)

    hub.dropAll() // the socket dies...
    for (let i = 0; i < 5; i++) hub.publish('run:1', 'run.progress', { progress: 0.2 + i / 10 }) // ...while 4..8 happen
    await until(() => seen.length >= 8)
    hub.publish('run:1', 'run.succeeded')
    await until(() => seen.length >= 9)
    // A server that replays one too many is harmless: the duplicate is dropped.
    for (const s of hub.sockets) s.deliver(hub.logs.get('run:1')![7])
    hub.publish('run:1', 'notification')
    await until(() => seen.length >= 10)
    await new Promise((r) => setTimeout(r, 20))

    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(hub.subscribes.at(-1)).toEqual({ type: 'subscribe', topics: ['run:1'], since: 3 })
    live.stop()
  })

  it('gets a fresh token after a 4401 close and resumes where it was', async () => {
    const hub = new Hub()
    let token = 'tok'
    let refreshes = 0
    const seen: number[] = []
    const live = new LiveClient({
      token: () => token,
      refresh: async () => {
        refreshes++
        token = 'tok'
        return token
      },
      url: 'ws://kp.test/api/ws',
      onEvent: (e) => seen.push(e.seq),
      WebSocket: hub.WebSocket(),
      minDelay: 1,
    })
    live.subscribe('user')
    live.start()
    await until(() => hub.subscribes.length === 1)
    hub.publish('user', 'notification')
    await until(() => seen.length === 1)
    token = 'stale'
    hub.dropAll(4401)
    hub.publish('user', 'notification')
    await until(() => seen.length === 2)
    expect(refreshes).toBe(1)
    expect(seen).toEqual([1, 2])
    expect(hub.subscribes.at(-1)).toEqual({ type: 'subscribe', topics: ['user'], since: 1 })
    live.stop()
  })
})

describe('cache updates from events', () => {
  const run = {
    id: 'r1',
    campaign_id: 'c1',
    status: 'queued',
    progress: 0,
    steps: [{ name: 'research', status: 'pending' }],
    stats: { prospects: 0 },
    usage: { tokens: 0, cost_usd: 0 },
    attempts: 0,
    created_at: '2026-01-01T00:00:00Z',
  }
  const ev = (topic: string, seq: number, event: string, data: Record<string, unknown>): LiveEvent => ({
    type: 'event',
    topic,
    seq,
    event,
    data,
    at: '2026-01-01T00:00:01Z',
  })

  it('patches the cached run and its campaign list in place', () => {
    const qc = new QueryClient()
    const runKey = ['get', '/api/runs/{id}', { params: { path: { id: 'r1' } } }]
    const listKey = ['get', '/api/campaigns/{id}/runs', { params: { path: { id: 'c1' }, query: { limit: 50 } } }]
    qc.setQueryData(runKey, run)
    qc.setQueryData(listKey, { items: [run], next_cursor: '' })
    applyEvent(qc, ev('campaign:c1', 5, 'run.progress', { run_id: 'r1', progress: 0.42, step: 'research', stats: { prospects: 3 } }))
    expect(qc.getQueryData<typeof run>(runKey)).toMatchObject({ progress: 0.42, status: 'running', stats: { prospects: 3 } })
    expect(qc.getQueryData<typeof run>(runKey)!.steps[0].status).toBe('running')
    expect(qc.getQueryData<{ items: (typeof run)[] }>(listKey)!.items[0].progress).toBe(0.42)
    // An older progress (seen late on the other topic) never moves the bar back.
    applyEvent(qc, ev('run:r1', 3, 'run.progress', { run_id: 'r1', progress: 0.3 }))
    expect(qc.getQueryData<typeof run>(runKey)!.progress).toBe(0.42)
    applyEvent(qc, ev('run:r1', 9, 'run.succeeded', { run_id: 'r1', progress: 1, status: 'succeeded' }))
    expect(qc.getQueryData<typeof run>(runKey)).toMatchObject({ progress: 1, status: 'succeeded', finished_at: '2026-01-01T00:00:01Z' })
    expect(qc.getQueryState(runKey)!.isInvalidated).toBe(true)
  })

  it('invalidates the lists a prospect, comment or notification event changes, and no others', () => {
    const qc = new QueryClient()
    const prospects = ['get', '/api/campaigns/{id}/prospects', { params: { path: { id: 'c1' }, query: { limit: 50 } } }]
    const other = ['get', '/api/campaigns/{id}/prospects', { params: { path: { id: 'c2' }, query: { limit: 50 } } }]
    const comments = ['get', '/api/campaigns/{id}/comments', { params: { path: { id: 'c1' }, query: { status: 'draft' } } }]
    const notes = ['get', '/api/notifications', { params: { query: { unread: true } } }]
    for (const k of [prospects, other, comments, notes]) qc.setQueryData(k, { items: [], next_cursor: '' })
    applyEvent(qc, ev('campaign:c1', 1, 'prospect.found', { run_id: 'r1', url: 'http://x' }))
    expect(qc.getQueryState(prospects)!.isInvalidated).toBe(true)
    expect(qc.getQueryState(other)!.isInvalidated).toBe(false)
    expect(qc.getQueryState(comments)!.isInvalidated).toBe(false)
    applyEvent(qc, ev('campaign:c1', 2, 'comment.drafted', { run_id: 'r1' }))
    expect(qc.getQueryState(comments)!.isInvalidated).toBe(true)
    expect(qc.getQueryState(notes)!.isInvalidated).toBe(false)
    applyEvent(qc, ev('user', 1, 'notification', { kind: 'comment.reviewed' }))
    expect(qc.getQueryState(notes)!.isInvalidated).toBe(true)
  })
})
