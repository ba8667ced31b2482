// How live events update the TanStack Query cache: run events patch the
// cached run and its campaign's run list in place; prospect, comment and
// notification events invalidate the lists they change, so every open
// page refreshes without polling.
import type { QueryClient, QueryKey } from '@tanstack/react-query'
import type { components } from './schema'
import type { LiveEvent } from './live'

type Run = components['schemas']['RunResponse']
type RunList = components['schemas']['RunList']

/** pathParam reads params.path[name] of an openapi-react-query key. */
function pathParam(key: QueryKey, name: string): unknown {
  const init = key[2] as { params?: { path?: Record<string, unknown> } } | undefined
  return init?.params?.path?.[name]
}

/** keyFor matches the cached queries of one GET path, optionally of one id. */
export function keyFor(path: string, id?: string) {
  return {
    key: `${path}|${id ?? ''}`,
    predicate: (q: { queryKey: QueryKey }) =>
      q.queryKey[0] === 'get' && q.queryKey[1] === path && (id === undefined || pathParam(q.queryKey, 'id') === id),
  }
}

const runFinal = new Set(['run.succeeded', 'run.failed', 'run.cancelled'])

function patchRun(run: Run, e: LiveEvent): Run {
  const d = e.data as { progress?: number; status?: Run['status']; stats?: Run['stats']; error?: string; step?: string }
  const next: Run = { ...run }
  if (typeof d.progress === 'number' && (d.progress >= run.progress || runFinal.has(e.event))) next.progress = d.progress
  if (d.status) next.status = d.status
  else if (e.event === 'run.progress' && run.status === 'queued') next.status = 'running'
  if (d.stats) next.stats = d.stats
  if (d.error) next.error = d.error
  if (e.event === 'run.started' && !next.started_at) next.started_at = e.at
  if (runFinal.has(e.event) && !next.finished_at) next.finished_at = e.at
  if (d.step && Array.isArray(run.steps)) {
    next.steps = run.steps.map((s) =>
      s.name === d.step && s.status !== 'succeeded' && s.status !== 'failed' ? { ...s, status: 'running' } : s,
    )
  }
  return next
}

/** Filter selects cached queries. */
export type Filter = ReturnType<typeof keyFor>
/** Invalidate marks the matching queries stale (and refetches the active ones). */
export type Invalidate = (f: Filter & { key?: string }) => void

/**
 * throttledInvalidate coalesces invalidations of the same list: a burst of
 * prospect.found events costs one refetch per interval, not one each.
 */
export function throttledInvalidate(qc: QueryClient, ms = 250): Invalidate {
  const pending = new Map<string, ReturnType<typeof setTimeout>>()
  return (f) => {
    const k = f.key ?? ''
    if (!k) {
      void qc.invalidateQueries(f)
      return
    }
    if (pending.has(k)) return
    pending.set(
      k,
      setTimeout(() => {
        pending.delete(k)
        void qc.invalidateQueries(f)
      }, ms),
    )
  }
}

/** campaignOf returns the campaign id of an event's topic, if it is campaign:<id>. */
function campaignOf(topic: string): string | undefined {
  return topic.startsWith('campaign:') ? topic.slice('campaign:'.length) : undefined
}

/**
 * applyEvent updates the cache for one live event. It is idempotent, so
 * the same event seen on run:<id> and campaign:<id> does no harm.
 */
export function applyEvent(qc: QueryClient, e: LiveEvent, invalidate: Invalidate = (f) => void qc.invalidateQueries(f)) {
  const campaign = campaignOf(e.topic)
  if (e.event.startsWith('run.')) {
    const runId = String((e.data as { run_id?: string }).run_id ?? '')
    if (!runId) return
    let known = false
    qc.setQueriesData<Run>(keyFor('/api/runs/{id}', runId), (old) => {
      if (!old) return old
      known = true
      return patchRun(old, e)
    })
    let listed = false
    qc.setQueriesData<RunList>(keyFor('/api/campaigns/{id}/runs', campaign), (old) => {
      if (!old) return old
      const i = old.items.findIndex((r) => r.id === runId)
      if (i < 0) return old
      listed = true
      const items = old.items.slice()
      items[i] = patchRun(items[i], e)
      return { ...old, items }
    })
    if (e.event === 'run.queued' || (!listed && campaign)) {
      invalidate(keyFor('/api/campaigns/{id}/runs', campaign))
    }
    if (runFinal.has(e.event) || e.event === 'run.started') {
      // The final row (steps, usage) is the server's to tell.
      invalidate(keyFor('/api/runs/{id}', runId))
      if (campaign) invalidate(keyFor('/api/campaigns/{id}/runs', campaign))
    } else if (!known && e.topic === `run:${runId}`) {
      invalidate(keyFor('/api/runs/{id}', runId))
    }
    return
  }
  switch (e.event) {
    case 'prospect.found':
      if (campaign) invalidate(keyFor('/api/campaigns/{id}/prospects', campaign))
      return
    case 'comment.drafted':
    case 'comment.reviewed':
      invalidate(keyFor('/api/campaigns/{id}/comments', campaign))
      return
    case 'notification':
      invalidate(keyFor('/api/notifications'))
      return
  }
}
