import { describe, expect, it } from 'vitest'
import { REFRESH_HEADER, Session } from './client'

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })

const user = { id: 'u1', email: 'a@example.com', name: 'A', role: 'user', permissions: ['campaigns:own'], created_at: '2026-01-01T00:00:00Z' }
const tokens = (access: string) => ({ user, access_token: access, refresh_token: '', token_type: 'Bearer', expires_in: 900 })

/** A fake server: the cookie jar, the current access token, and a log of requests. */
function fakeServer(opts: { refreshOK?: boolean; refreshDelay?: number; conflictOnce?: boolean } = {}) {
  const log: { path: string; auth: string | null; header: string | null; body: string; credentials?: string }[] = []
  let cookie = ''
  let valid = 'a0'
  let n = 0
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : new Request(String(input), init)
    const path = new URL(req.url).pathname
    const body = req.method === 'GET' ? '' : await req.clone().text()
    log.push({ path, auth: req.headers.get('Authorization'), header: req.headers.get(REFRESH_HEADER), body, credentials: init?.credentials })
    if (path === '/api/auth/login' || path === '/api/auth/register' || path === '/api/auth/invitations/accept') {
      if (req.headers.get(REFRESH_HEADER) === 'cookie') cookie = 'r' + ++n
      valid = 'a' + n
      return json(path.endsWith('login') ? 200 : 201, tokens(valid))
    }
    if (path === '/api/auth/refresh') {
      // The cookie counts only with the opt-in header.
      if (opts.refreshDelay) await new Promise((r) => setTimeout(r, opts.refreshDelay))
      if (opts.conflictOnce) {
        // Another tab just rotated the cookie (reuse grace): 409, cookie kept.
        opts.conflictOnce = false
        return json(409, { status: 409, title: 'Conflict' })
      }
      if (req.headers.get(REFRESH_HEADER) !== 'cookie' || !cookie || opts.refreshOK === false) {
        return json(401, { status: 401, title: 'Unauthorized' })
      }
      cookie = 'r' + ++n
      valid = 'a' + n
      return json(200, tokens(valid))
    }
    if (path === '/api/auth/logout') {
      cookie = ''
      return new Response(null, { status: 204 })
    }
    if (req.headers.get('Authorization') !== `Bearer ${valid}`) return json(401, { status: 401, title: 'Unauthorized' })
    return json(200, { items: [], next_cursor: '' })
  }
  return {
    fetch: fetch as typeof globalThis.fetch,
    log,
    expire: () => (valid = 'expired'),
    setCookie: (c: string) => (cookie = c),
    get cookie() {
      return cookie
    },
  }
}

describe('Session refresh', () => {
  it('runs exactly one refresh for many requests failing at once, then retries them all', async () => {
    const srv = fakeServer({ refreshDelay: 20 })
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.login('a@example.com', 'password1')
    srv.expire()
    const results = await Promise.all(
      Array.from({ length: 8 }, () => s.api.GET('/api/campaigns', { params: { query: { limit: 5 } } })),
    )
    expect(results.map((r) => r.response.status)).toEqual(Array(8).fill(200))
    expect(srv.log.filter((l) => l.path === '/api/auth/refresh')).toHaveLength(1)
    expect(s.refreshCount).toBe(1)
    // Each request went out twice: once with the dead token, once with the new one.
    const calls = srv.log.filter((l) => l.path === '/api/campaigns')
    expect(calls).toHaveLength(16)
    expect(calls.slice(8).every((c) => c.auth === `Bearer ${s.token()}`)).toBe(true)
  })

  it('signs the user out everywhere when the refresh fails', async () => {
    const srv = fakeServer({ refreshOK: false })
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.login('a@example.com', 'password1')
    const seen: string[] = []
    s.subscribe((st) => seen.push(st.status))
    srv.expire()
    const [a, b] = await Promise.all([s.api.GET('/api/campaigns'), s.api.GET('/api/auth/sessions')])
    expect(a.response.status).toBe(401)
    expect(b.response.status).toBe(401)
    expect(s.get()).toEqual({ status: 'signed-out', user: null, token: null })
    expect(seen).toEqual(['signed-out'])
    expect(srv.log.filter((l) => l.path === '/api/auth/refresh')).toHaveLength(1)
  })

  it('a logout without a session sends nothing and refreshes nothing', async () => {
    const srv = fakeServer()
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.logout() // nothing to revoke: just signed out
    expect(s.get().status).toBe('signed-out')
    expect(srv.log.filter((l) => l.path === '/api/auth/refresh')).toHaveLength(0)
  })
})

describe('cookie flow', () => {
  it('accepting an invitation opts into the cookie flow and signs in, and a reload restores it', async () => {
    const srv = fakeServer()
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.acceptInvitation('tok-1', 'password-1', 'Ivy')
    const call = srv.log.find((l) => l.path === '/api/auth/invitations/accept')!
    expect(call.header).toBe('cookie')
    expect(JSON.parse(call.body)).toEqual({ token: 'tok-1', password: 'password-1', name: 'Ivy' })
    expect(s.get().status).toBe('signed-in')
    expect(srv.cookie).not.toBe('')
    const reloaded = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await reloaded.restore()
    expect(reloaded.get().status).toBe('signed-in')
  })

  it('asks once more after a 409 (another tab rotated the cookie) and stays signed in', async () => {
    const conflicted = fakeServer({ conflictOnce: true })
    const t = new Session({ baseUrl: 'http://kp.test', fetch: conflicted.fetch, crossTabLock: false })
    await t.login('a@example.com', 'password1')
    conflicted.expire()
    const r = await t.api.GET('/api/campaigns')
    expect(r.response.status).toBe(200)
    expect(t.get().status).toBe('signed-in')
    expect(conflicted.log.filter((l) => l.path === '/api/auth/refresh')).toHaveLength(2)
    expect(t.refreshCount).toBe(1)
  })

  it('opts in on login, keeps only the access token in memory, and restores a reload from the cookie', async () => {
    const srv = fakeServer()
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.login('a@example.com', 'password1')
    const login = srv.log.find((l) => l.path === '/api/auth/login')!
    expect(login.header).toBe('cookie')
    expect(login.credentials).toBe('same-origin')
    expect(JSON.stringify(s.get())).not.toContain('"r1"')
    expect(srv.cookie).toBe('r1')

    // A reload: a new Session knows nothing but the browser still has the cookie.
    const reloaded = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    expect(reloaded.get().status).toBe('unknown')
    await reloaded.restore()
    expect(reloaded.get().status).toBe('signed-in')
    expect(reloaded.get().user?.email).toBe('a@example.com')
    const refresh = srv.log.filter((l) => l.path === '/api/auth/refresh').at(-1)!
    expect(refresh.header).toBe('cookie')
    expect(refresh.body).toBe('{}')
    expect((await reloaded.api.GET('/api/campaigns')).response.status).toBe(200)
  })

  it('ends signed out when there is no cookie, and logout clears it', async () => {
    const srv = fakeServer()
    const s = new Session({ baseUrl: 'http://kp.test', fetch: srv.fetch, crossTabLock: false })
    await s.restore()
    expect(s.get().status).toBe('signed-out')
    await s.register('b@example.com', 'password1', 'B')
    expect(srv.log.find((l) => l.path === '/api/auth/register')!.header).toBe('cookie')
    await s.logout()
    const logout = srv.log.find((l) => l.path === '/api/auth/logout')!
    expect(logout.header).toBe('cookie')
    expect(logout.auth).toMatch(/^Bearer a/)
    expect(srv.cookie).toBe('')
    expect(s.get().status).toBe('signed-out')
  })
})
