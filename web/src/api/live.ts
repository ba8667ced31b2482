// The WebSocket client of GET /api/ws: authenticates with its first
// message, subscribes with `since`, reconnects with backoff and resumes
// every topic from the last seq it delivered, so a listener sees each
// topic's events exactly once and in order (no gap, no duplicate).

/** LiveEvent is one {"type":"event"} message. */
export interface LiveEvent {
  type: 'event'
  topic: string
  seq: number
  event: string
  data: Record<string, unknown>
  at: string
}

/** LiveStatus is the socket's state as the UI shows it. */
export type LiveStatus = 'idle' | 'connecting' | 'open' | 'closed'

/** LiveOptions configure a LiveClient. */
export interface LiveOptions {
  /** ws:// or wss:// URL of /api/ws; defaults to the page's origin. */
  url?: string
  /** Returns the current access token (null: not signed in). */
  token: () => string | null
  /** Called after a 4401 close: get a fresh token (null: give up). */
  refresh: () => Promise<string | null>
  /** Every event, after deduplication, in seq order per topic. */
  onEvent: (e: LiveEvent) => void
  /** A topic was (re)subscribed; `resumed` when it replays from a known seq. */
  onSubscribed?: (topic: string, resumed: boolean) => void
  onStatus?: (s: LiveStatus) => void
  /** The WebSocket constructor (tests may pass another). */
  WebSocket?: typeof WebSocket
  /** First reconnect delay in ms (doubles up to maxDelay); default 250. */
  minDelay?: number
  maxDelay?: number
}

interface Topic {
  refs: number
  /** last seq delivered to onEvent; undefined until known */
  seq?: number
}

/** defaultLiveURL is ws(s)://<this origin>/api/ws. */
export function defaultLiveURL(): string {
  const l = globalThis.location
  return `${l.protocol === 'https:' ? 'wss' : 'ws'}://${l.host}/api/ws`
}

/** LiveClient keeps one socket and any number of topic subscriptions. */
export class LiveClient {
  private ws: WebSocket | null = null
  private topics = new Map<string, Topic>()
  private authed = false
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | null = null
  private stopped = true
  private status: LiveStatus = 'idle'
  private readonly o: Required<Pick<LiveOptions, 'minDelay' | 'maxDelay'>> & LiveOptions

  constructor(opts: LiveOptions) {
    this.o = { minDelay: 250, maxDelay: 10_000, ...opts }
  }

  /** start opens the socket (idempotent). */
  start() {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  /** stop closes the socket and forgets nothing (start resumes). */
  stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const ws = this.ws
    this.ws = null
    this.authed = false
    if (ws) ws.close(1000, 'bye')
    this.setStatus('idle')
  }

  /** reset forgets every topic and its position (sign-out). */
  reset() {
    this.stop()
    this.topics.clear()
  }

  /** lastSeq returns the last seq delivered on topic. */
  lastSeq(topic: string): number | undefined {
    return this.topics.get(topic)?.seq
  }

  /**
   * subscribe follows topic; with since, stored events after it are
   * replayed first. It returns the function that stops following.
   */
  subscribe(topic: string, since?: number): () => void {
    let t = this.topics.get(topic)
    if (!t) {
      t = { refs: 0, seq: since }
      this.topics.set(topic, t)
      this.sendSubscribe(topic)
    }
    t.refs++
    let done = false
    return () => {
      if (done) return
      done = true
      const cur = this.topics.get(topic)
      if (!cur) return
      if (--cur.refs <= 0) {
        this.topics.delete(topic)
        if (this.authed) this.send({ type: 'unsubscribe', topics: [topic] })
      }
    }
  }

  /**
   * reauth hands a fresh token to the open socket so it outlives the old
   * one, or connects now if the socket is down for want of a token.
   */
  reauth() {
    const tok = this.o.token()
    if (!tok || this.stopped) return
    if (this.ws && this.ws.readyState === 1) this.send({ type: 'auth', token: tok })
    else if (!this.ws && !this.timer) this.connect()
  }

  private setStatus(s: LiveStatus) {
    if (s === this.status) return
    this.status = s
    this.o.onStatus?.(s)
  }

  private send(m: unknown) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(m))
  }

  private sendSubscribe(topic: string) {
    if (!this.authed) return
    const t = this.topics.get(topic)
    if (!t) return
    this.send(t.seq === undefined ? { type: 'subscribe', topics: [topic] } : { type: 'subscribe', topics: [topic], since: t.seq })
  }

  private connect() {
    if (this.stopped) return
    const token = this.o.token()
    if (!token) {
      this.setStatus('closed')
      return
    }
    const WS = this.o.WebSocket ?? globalThis.WebSocket
    const ws = new WS(this.o.url ?? defaultLiveURL())
    this.ws = ws
    this.authed = false
    this.setStatus('connecting')
    ws.onopen = () => {
      const tok = this.o.token()
      if (tok) ws.send(JSON.stringify({ type: 'auth', token: tok }))
    }
    ws.onmessage = (m: MessageEvent) => {
      if (this.ws !== ws) return
      let msg: { type?: string; topic?: string; seq?: number } & Record<string, unknown>
      try {
        msg = JSON.parse(String(m.data))
      } catch {
        return
      }
      this.handle(msg)
    }
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return
      this.ws = null
      this.authed = false
      if (this.stopped) return
      this.setStatus('closed')
      if (ev.code === 4401) {
        // Token expired or session revoked: a fresh token, then reconnect.
        this.o
          .refresh()
          .then((tok) => {
            if (tok) this.schedule(0)
          })
          .catch(() => this.schedule())
        return
      }
      this.schedule()
    }
    ws.onerror = () => {
      /* onclose follows */
    }
  }

  private schedule(delay?: number) {
    if (this.stopped || this.timer) return
    const d =
      delay ?? Math.min(this.o.maxDelay, this.o.minDelay * 2 ** this.attempt) * (0.75 + Math.random() * 0.5)
    this.attempt++
    this.timer = setTimeout(() => {
      this.timer = null
      this.connect()
    }, d)
  }

  private handle(msg: { type?: string; topic?: string; seq?: number } & Record<string, unknown>) {
    switch (msg.type) {
      case 'authenticated':
        if (!this.authed) {
          this.authed = true
          this.attempt = 0
          this.setStatus('open')
          for (const topic of this.topics.keys()) this.sendSubscribe(topic)
        }
        return
      case 'subscribed': {
        const t = msg.topic ? this.topics.get(msg.topic) : undefined
        if (!t) return
        const resumed = t.seq !== undefined
        if (t.seq === undefined && typeof msg.seq === 'number') t.seq = msg.seq
        this.o.onSubscribed?.(msg.topic!, resumed)
        return
      }
      case 'event': {
        const t = msg.topic ? this.topics.get(msg.topic) : undefined
        if (!t || typeof msg.seq !== 'number') return
        if (t.seq !== undefined && msg.seq <= t.seq) return // duplicate
        if (t.seq !== undefined && msg.seq > t.seq + 1) {
          // A hole: ask again from what we have (the server replays).
          this.sendSubscribe(msg.topic!)
          return
        }
        t.seq = msg.seq
        this.o.onEvent(msg as unknown as LiveEvent)
        return
      }
      default:
        return
    }
  }
}
