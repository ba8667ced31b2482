import { useCallback, useState } from 'react'
import { Link, useParams } from '@tanstack/react-router'
import { useApi, useLiveTopic } from '../api/react'
import type { LiveEvent } from '../api/live'
import type { components } from '../api/schema'
import { ExportButton } from '../components/Export'
import { ErrorState, Loading, QueryView, errorText, fmtDate } from '../components/States'

type Run = components['schemas']['RunResponse']

/** CampaignPage runs a campaign and follows its current run live. */
export function CampaignPage() {
  const { id } = useParams({ from: '/campaigns/$id' })
  const { $api, queryClient } = useApi()
  const c = $api.useQuery('get', '/api/campaigns/{id}', { params: { path: { id } } })
  const runs = $api.useQuery('get', '/api/campaigns/{id}/runs', { params: { path: { id }, query: { limit: 50 } } })
  const [err, setErr] = useState('')
  useLiveTopic(`campaign:${id}`)
  const start = $api.useMutation('post', '/api/campaigns/{id}/runs', {
    onSuccess: (run) => {
      if (!run) return
      queryClient.setQueryData(['get', '/api/runs/{id}', { params: { path: { id: run.id } } }], run)
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns/{id}/runs'] })
    },
    onError: (e) => setErr(errorText(e)),
  })
  if (c.isPending) return <Loading label="Loading campaign…" />
  if (c.isError || !c.data) return <ErrorState error={c.error} retry={() => void c.refetch()} />
  const campaign = c.data
  const latest = start.data && !runs.data?.items.some((r) => r.id === start.data!.id) ? start.data : runs.data?.items[0]
  return (
    <section aria-labelledby="campaign-h" className="space-y-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 id="campaign-h" className="h1 mr-auto">
          {campaign.name}
        </h1>
        <Link to="/campaigns/$id/prospects" params={{ id }} search={{}} className="btn">
          Prospects
        </Link>
        <Link to="/review" search={{ campaign: id }} className="btn">
          Review drafts
        </Link>
        <ExportButton campaignId={id} name={campaign.name} />
        <button
          type="button"
          className="btn-primary"
          disabled={start.isPending || campaign.status === 'archived'}
          onClick={() => {
            setErr('')
            start.mutate({ params: { path: { id } } })
          }}
        >
          Run now
        </button>
      </div>
      <p className="muted">
        Keywords: {campaign.keywords.join(', ')}
        {campaign.seed_urls.length > 0 && <> · {campaign.seed_urls.length} seed URL(s)</>}
        {campaign.status === 'archived' && <> · archived (unarchive it to run)</>}
      </p>
      {err && (
        <p role="alert" className="text-sm text-red-800">
          {err}
        </p>
      )}
      {latest ? <CurrentRun runId={latest.id} fallback={latest} /> : runs.isPending ? <Loading label="Loading runs…" /> : null}
      <section aria-labelledby="past-h" className="card">
        <h2 id="past-h" className="h2 mb-2">
          Runs
        </h2>
        <QueryView q={runs} isEmpty={(d) => d.items.length === 0} empty="No runs yet. Press “Run now”." label="Loading runs…">
          {(d) => (
            <table className="w-full">
              <caption className="sr-only">Runs of this campaign</caption>
              <thead>
                <tr>
                  <th className="th">Started</th>
                  <th className="th">Status</th>
                  <th className="th">Progress</th>
                  <th className="th">Prospects</th>
                  <th className="th">Drafts</th>
                  <th className="th">Tokens</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((r) => (
                  <tr key={r.id}>
                    <td className="td">{fmtDate(r.started_at ?? r.created_at)}</td>
                    <td className="td">
                      <StatusBadge status={r.status} />
                    </td>
                    <td className="td">{Math.round(r.progress * 100)}%</td>
                    <td className="td">{r.stats.prospects}</td>
                    <td className="td">{r.stats.drafts}</td>
                    <td className="td">{r.usage.tokens}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
      </section>
    </section>
  )
}

const badge: Record<string, string> = {
  queued: 'bg-slate-200 text-slate-900',
  running: 'bg-blue-100 text-blue-900',
  succeeded: 'bg-emerald-100 text-emerald-900',
  failed: 'bg-red-100 text-red-900',
  cancelled: 'bg-amber-100 text-amber-900',
}

/** StatusBadge shows a run's status. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${badge[status] ?? 'bg-slate-200'}`}>{status}</span>
}

function describe(e: LiveEvent): string {
  const d = e.data as Record<string, unknown>
  switch (e.event) {
    case 'run.progress':
      return `${Math.round(Number(d.progress ?? 0) * 100)}% · ${String(d.step ?? '')}`
    case 'prospect.found':
      return `${String(d.title ?? d.url ?? '')} (${String(d.site ?? '')})`
    case 'comment.drafted':
      return `draft for ${String(d.prospect_url ?? '')} · score ${String(d.score ?? '')}${d.passed === false ? ' · held back' : ''}`
    default:
      return d.error ? String(d.error) : String(d.status ?? '')
  }
}

function CurrentRun({ runId, fallback }: { runId: string; fallback: Run }) {
  const { $api } = useApi()
  const q = $api.useQuery('get', '/api/runs/{id}', { params: { path: { id: runId } } })
  const [feed, setFeed] = useState<{ runId: string; items: (LiveEvent & { replayed: boolean })[] }>({ runId, items: [] })
  const onEvent = useCallback(
    (e: LiveEvent, replayed: boolean) =>
      setFeed((f) => {
        const items = f.runId === runId ? f.items : []
        return { runId, items: [{ ...e, replayed }, ...items].slice(0, 300) }
      }),
    [runId],
  )
  useLiveTopic(`run:${runId}`, onEvent, 0)
  const cancel = $api.useMutation('post', '/api/runs/{id}/cancel')
  const run = q.data ?? fallback
  const pct = Math.round(run.progress * 100)
  const items = feed.runId === runId ? feed.items : []
  const active = run.status === 'queued' || run.status === 'running'
  return (
    <section aria-labelledby="current-h" className="card space-y-3" data-testid="current-run">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="current-h" className="h2">
          Current run
        </h2>
        <StatusBadge status={run.status} />
        <span className="muted">started {fmtDate(run.started_at ?? run.created_at)}</span>
        {active && (
          <button type="button" className="btn ml-auto" onClick={() => cancel.mutate({ params: { path: { id: runId } } })}>
            Cancel run
          </button>
        )}
      </div>
      <div>
        <div className="mb-1 flex justify-between text-sm">
          <span id="progress-label">Progress</span>
          <span data-testid="progress-text">{pct}%</span>
        </div>
        <div
          role="progressbar"
          aria-labelledby="progress-label"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          className="h-3 w-full overflow-hidden rounded bg-slate-200"
        >
          <div className="h-full bg-indigo-600 transition-[width] duration-200" style={{ width: `${pct}%` }} />
        </div>
      </div>
      {run.error && <p className="text-sm text-red-800">Error: {run.error}</p>}
      <p className="muted">
        {run.stats.posts_discovered} posts discovered · {run.stats.posts_fetched} fetched · {run.stats.prospects} prospects ·{' '}
        {run.stats.drafts} drafts
      </p>
      <RunProblems stats={run.stats} />
      <div className="grid gap-4 md:grid-cols-2">
        <div>
          <h3 className="mb-1 font-semibold">Steps</h3>
          {run.steps.length === 0 ? (
            <p className="muted">No steps yet.</p>
          ) : (
            <ol className="space-y-1" aria-label="Steps">
              {run.steps.map((s) => (
                <li key={s.name} className="flex items-center gap-2 text-sm">
                  <StatusBadge status={s.status} /> <span>{s.name}</span>
                  {s.agent && <span className="text-xs text-slate-600">by {s.agent}</span>}
                </li>
              ))}
            </ol>
          )}
        </div>
        <div>
          <h3 className="mb-1 font-semibold">Events</h3>
          {items.length === 0 ? (
            <p className="muted">Waiting for events…</p>
          ) : (
            <ol className="max-h-72 space-y-1 overflow-auto text-sm" aria-label="Run events" data-testid="event-feed" tabIndex={0}>
              {items.map((e) => (
                <li key={e.seq} data-seq={e.seq} data-at={e.at} data-event={e.event} data-replayed={e.replayed ? '1' : '0'}>
                  <span className="font-mono text-xs text-slate-600">#{e.seq}</span> <strong>{e.event}</strong> {describe(e)}
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </section>
  )
}

type RunStats = components['schemas']['Stats']

/** reasonList renders failure counts by cause, most first ("404 ×3"). */
function reasonList(byReason: Record<string, number> | undefined): string {
  return Object.entries(byReason ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason.replaceAll('_', ' ')} ×${n}`)
    .join(', ')
}

/** RunProblems says why a run found or kept less than hoped: its warnings and its failures by cause. */
function RunProblems({ stats }: { stats: RunStats }) {
  const warnings = stats.warnings ?? []
  const seeds = reasonList(stats.seed_failures_by_reason)
  const fetches = reasonList(stats.fetch_failures_by_reason)
  if (warnings.length === 0 && !seeds && !fetches && stats.language_skipped === 0) return null
  return (
    <div role="note" aria-label="Run warnings" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="run-warnings">
      {warnings.length > 0 && (
        <ul className="list-disc pl-5">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {seeds && <p>Seeds that could not be read: {seeds}</p>}
      {fetches && <p>Posts that could not be fetched: {fetches}</p>}
      {stats.language_skipped > 0 && <p>{stats.language_skipped} posts skipped: not in the campaign's language</p>}
    </div>
  )
}
