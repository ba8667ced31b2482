// The kpbot API client for browsers: openapi-fetch over the generated
// types, the access token in memory only, the refresh token in an HttpOnly
// cookie the page never sees (README.md, "Dashboard"), and automatic
// refresh: on a 401 exactly one refresh runs however many requests failed
// at once, then they retry; a failed refresh signs the user out everywhere.
import createClient, { type Client } from 'openapi-fetch'
import type { components, paths } from './schema'

/** User is the signed-in user as GET /api/auth/me describes it. */
export type User = components['schemas']['UserResponse']
/** TokenResponse is the body of login, register and refresh. */
export type TokenResponse = components['schemas']['TokenResponse']

/** REFRESH_HEADER opts a request into the cookie flow. */
export const REFRESH_HEADER = 'X-Kpbot-Refresh'

/** AuthState is what the session knows right now. */
export interface AuthState {
  /** 'unknown' until the first refresh attempt has answered. */
  status: 'unknown' | 'signed-in' | 'signed-out'
  user: User | null
  token: string | null
}

/** ApiError is a failed call's problem document (RFC 9457). */
export class ApiError extends Error {
  status: number
  problem: { title?: string; detail?: string; errors?: { message?: string; location?: string }[] } | undefined
  constructor(status: number, problem: ApiError['problem']) {
    super(problem?.detail || problem?.title || `request failed (${status})`)
    this.status = status
    this.problem = problem
  }
}

/** SessionOptions configure a Session. */
export interface SessionOptions {
  /** Origin and prefix of the API, '' for the page's own origin. */
  baseUrl?: string
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch
  /** Serialise refreshes across tabs with the Web Locks API (default true when present). */
  crossTabLock?: boolean
}

const authPaths = ['/api/auth/login', '/api/auth/register', '/api/auth/refresh', '/api/auth/logout', '/api/auth/invitations/accept']

/**
 * Session holds the access token and user in memory, performs the cookie
 * flow and hands out an openapi-fetch client whose requests carry the
 * token and survive its expiry.
 */
export class Session {
  readonly api: Client<paths>
  private state: AuthState = { status: 'unknown', user: null, token: null }
  private listeners = new Set<(s: AuthState) => void>()
  private inflight: Promise<string | null> | null = null
  private readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private readonly lock: boolean
  /** refreshCount counts refreshes sent to the server (for tests and diagnostics). */
  refreshCount = 0
  private readonly channel: BroadcastChannel | null

  constructor(opts: SessionOptions = {}) {
    this.baseUrl = opts.baseUrl ?? ''
    this.fetchImpl = opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a))
    this.lock = opts.crossTabLock ?? true
    // Other tabs of the app sign out when this one does.
    this.channel = this.lock && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('kpbot-auth') : null
    if (this.channel) {
      this.channel.onmessage = (m: MessageEvent) => {
        if (m.data === 'signed-out' && this.state.status === 'signed-in') this.set({ status: 'signed-out', user: null, token: null })
      }
    }
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: (req: Request) => this.send(req),
    })
  }

  /** get returns the current state. */
  get = (): AuthState => this.state

  /** subscribe calls fn on every change and returns the unsubscribe. */
  subscribe = (fn: (s: AuthState) => void): (() => void) => {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private set(next: AuthState) {
    this.state = next
    for (const fn of this.listeners) fn(next)
  }

  /** token returns the in-memory access token, if any. */
  token(): string | null {
    return this.state.token
  }

  private accept(body: TokenResponse) {
    this.set({ status: 'signed-in', user: body.user, token: body.access_token })
  }

  /** signOutLocally forgets the token and user (every subscriber reacts). */
  signOutLocally() {
    if (this.state.status !== 'signed-out' || this.state.token) {
      const was = this.state.status
      this.set({ status: 'signed-out', user: null, token: null })
      if (was === 'signed-in') this.channel?.postMessage('signed-out')
    }
  }

  private async authPost(path: string, body: unknown, bearer?: string | null): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', [REFRESH_HEADER]: 'cookie' }
    if (bearer) headers.Authorization = `Bearer ${bearer}`
    return this.fetchImpl(this.baseUrl + path, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      credentials: 'same-origin',
    })
  }

  private async tokenCall(path: string, body: unknown): Promise<User> {
    const res = await this.authPost(path, body)
    if (!res.ok) throw new ApiError(res.status, await readProblem(res))
    const tok = (await res.json()) as TokenResponse
    this.accept(tok)
    return tok.user
  }

  /** login signs in with the cookie flow. */
  login(email: string, password: string): Promise<User> {
    return this.tokenCall('/api/auth/login', { email, password })
  }

  /** register creates an account and signs in with the cookie flow. */
  register(email: string, password: string, name?: string): Promise<User> {
    return this.tokenCall('/api/auth/register', name ? { email, password, name } : { email, password })
  }

  /** acceptInvitation creates the invited account and signs in with the cookie flow. */
  acceptInvitation(token: string, password: string, name?: string): Promise<User> {
    return this.tokenCall('/api/auth/invitations/accept', name ? { token, password, name } : { token, password })
  }

  /** logout revokes this session on the server and clears the cookie. */
  async logout(): Promise<void> {
    const token = this.state.token
    try {
      if (token) await this.authPost('/api/auth/logout', {}, token)
    } finally {
      this.signOutLocally()
    }
  }

  /**
   * refresh trades the HttpOnly cookie for a new access token. Concurrent
   * callers share one request. It resolves to the new token, or null after
   * signing the user out when the server refuses.
   */
  refresh(): Promise<string | null> {
    if (!this.inflight) {
      const run = () => this.doRefresh()
      const locks = this.lock ? (globalThis.navigator as Navigator | undefined)?.locks : undefined
      const p: Promise<string | null> = locks ? (locks.request('kpbot-refresh', run) as unknown as Promise<string | null>) : run()
      const shared = p.finally(() => {
        if (this.inflight === shared) this.inflight = null
      })
      this.inflight = shared
      return shared
    }
    return this.inflight
  }

  private async doRefresh(): Promise<string | null> {
    this.refreshCount++
    let res: Response
    try {
      res = await this.authPost('/api/auth/refresh', {})
      // 409: another tab rotated the cookie a moment ago (reuse grace);
      // the browser now holds the successor, so ask once more with it.
      if (res.status === 409) res = await this.authPost('/api/auth/refresh', {})
    } catch (err) {
      // The network failed: keep the session, the caller sees the error.
      if (this.state.status === 'unknown') this.signOutLocally()
      throw err
    }
    if (res.ok) {
      const tok = (await res.json()) as TokenResponse
      this.accept(tok)
      return tok.access_token
    }
    this.signOutLocally()
    return null
  }

  /** restore asks the cookie for a session at start (a reload keeps the user signed in). */
  async restore(): Promise<void> {
    try {
      await this.refresh()
    } catch {
      this.signOutLocally()
    }
  }

  private async send(req: Request): Promise<Response> {
    const path = new URL(req.url, 'http://localhost').pathname
    const isAuth = authPaths.some((p) => path.endsWith(p))
    const used = this.state.token
    const retry = isAuth ? null : req.clone()
    if (used) req.headers.set('Authorization', `Bearer ${used}`)
    const res = await this.fetchImpl(req)
    if (res.status !== 401 || !retry) return res
    // The token may have been replaced while this request was out: retry
    // with the new one; otherwise one shared refresh for everyone.
    let fresh = this.state.token
    if (!fresh || fresh === used) fresh = await this.refresh().catch(() => null)
    if (!fresh) return res
    retry.headers.set('Authorization', `Bearer ${fresh}`)
    return this.fetchImpl(retry)
  }
}

/** readProblem parses a problem document, tolerating any body. */
export async function readProblem(res: Response): Promise<ApiError['problem']> {
  try {
    return (await res.json()) as ApiError['problem']
  } catch {
    return { title: res.statusText }
  }
}

/** unwrap turns an openapi-fetch result into its data or an ApiError. */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || !r.response.ok) {
    throw new ApiError(r.response.status, r.error as ApiError['problem'])
  }
  return r.data as T
}
