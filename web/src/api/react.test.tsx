import { describe, expect, it } from 'vitest'
import { act, render, screen, waitFor } from '@testing-library/react'
import { QueryClient } from '@tanstack/react-query'
import { KpbotProvider, useAuth } from './react'
import { useRun } from './hooks'
import { Session } from './client'
import { applyEvent } from './cache'

const user = { id: 'u1', email: 'a@example.com', name: 'Ann', role: 'moderator', permissions: ['comments:review'], created_at: '2026-01-01T00:00:00Z' }
const run = {
  id: 'r1',
  campaign_id: 'c1',
  status: 'running',
  progress: 0.1,
  steps: [],
  stats: {},
  usage: { tokens: 0, cost_usd: 0 },
  attempts: 1,
  created_at: '2026-01-01T00:00:00Z',
}

function Probe() {
  const auth = useAuth()
  const r = useRun('r1')
  return (
    <div>
      <p data-testid="status">{auth.status}</p>
      <p data-testid="who">{auth.user?.name ?? ''}</p>
      <p data-testid="can">{String(auth.can('comments:review'))}</p>
      <p data-testid="progress">{r.data ? Math.round(r.data.progress * 100) : '-'}</p>
    </div>
  )
}

describe('KpbotProvider', () => {
  it('restores the session from the cookie, serves typed hooks, and re-renders on a live event', async () => {
    const calls: string[] = []
    let cookie = true
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(String(input), init)
      const path = new URL(req.url).pathname
      calls.push(path)
      if (path === '/api/auth/logout') {
        cookie = false
        return new Response(null, { status: 204 })
      }
      if (path === '/api/auth/refresh' && cookie)
        return new Response(JSON.stringify({ user, access_token: 't1', refresh_token: '', token_type: 'Bearer', expires_in: 900 }), { status: 200 })
      if (path === '/api/runs/r1' && cookie && req.headers.get('Authorization') === 'Bearer t1')
        return new Response(JSON.stringify(run), { status: 200, headers: { 'Content-Type': 'application/json' } })
      return new Response('{}', { status: 401 })
    }) as typeof fetch
    const session = new Session({ baseUrl: 'http://kp.test', fetch: fetchImpl, crossTabLock: false })
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <KpbotProvider session={session} queryClient={qc} liveUrl="ws://127.0.0.1:9/api/ws">
        <Probe />
      </KpbotProvider>,
    )
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('signed-in'))
    expect(screen.getByTestId('who').textContent).toBe('Ann')
    expect(screen.getByTestId('can').textContent).toBe('true')
    await waitFor(() => expect(screen.getByTestId('progress').textContent).toBe('10'))
    expect(calls.filter((c) => c === '/api/auth/refresh')).toHaveLength(1)

    act(() =>
      applyEvent(qc, { type: 'event', topic: 'run:r1', seq: 4, event: 'run.progress', data: { run_id: 'r1', progress: 0.55 }, at: '2026-01-01T00:00:02Z' }),
    )
    // TanStack Query notifies observers on its next tick.
    await waitFor(() => expect(screen.getByTestId('progress').textContent).toBe('55'))

    await act(() => session.logout())
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('signed-out'))
    expect(screen.getByTestId('who').textContent).toBe('')
    expect(qc.getQueryData(['get', '/api/runs/{id}', { params: { path: { id: 'r1' } } }])).toBeUndefined()
  })
})
