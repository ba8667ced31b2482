import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { useAuth } from '../api/react'
import { useAnalytics } from '../api/hooks'
import { QueryView } from '../components/States'

interface ChartProps {
  title: string
  labels: string[]
  series: { label: string; values: number[]; color: string }[]
  bars?: boolean
  unit?: string
  /** What the x values are ("route", "status", ...). */
  xLabel?: string
}

/** Chart draws one uPlot chart over categorical x values, with a table for screen readers. */
function Chart({ title, labels, series, bars, unit = '', xLabel = 'route' }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = ref.current
    if (!el || labels.length === 0) return
    const xs = labels.map((_, i) => i)
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth || 600),
      height: 220,
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
      axes: [
        {
          values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? short(labels[t] ?? '') : '')),
          rotate: labels.length > 5 ? -35 : 0,
          size: labels.length > 5 ? 110 : 40,
          gap: 4,
          font: '11px sans-serif',
        },
        { values: (_u, ticks) => ticks.map((t) => `${t}${unit}`) },
      ],
      legend: { show: true },
      cursor: { show: true },
      series: [
        { label: xLabel, value: (_u, v) => (v == null ? '—' : (labels[Math.round(v)] ?? '')) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: bars ? s.color + '99' : undefined,
          width: bars ? 0 : 2,
          paths: bars ? uPlot.paths.bars!({ size: [0.6 / series.length, 40] }) : undefined,
          points: { show: !bars },
        })),
      ],
    }
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)], el)
    return () => u.destroy()
  }, [labels, series, bars, unit, xLabel])
  return (
    <figure className="card" aria-labelledby={`fig-${title}`}>
      <figcaption id={`fig-${title}`} className="h2 mb-2">
        {title}
      </figcaption>
      {labels.length === 0 ? <p className="muted">No data in this window.</p> : <div ref={ref} aria-hidden="true" />}
      {labels.length > 0 && (
        <details className="mt-2 text-sm">
          <summary>Data table</summary>
          <table className="w-full">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th className="th">Name</th>
                {series.map((s) => (
                  <th key={s.label} className="th">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((l, i) => (
                <tr key={l}>
                  <td className="td">{l}</td>
                  {series.map((s) => (
                    <td key={s.label} className="td">
                      {Number(s.values[i] ?? 0).toLocaleString(undefined, { maximumFractionDigits: 2 })}
                      {unit}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  )
}

/** short trims a long axis label. */
function short(s: string): string {
  return s.length > 26 ? s.slice(0, 25) + '…' : s
}

interface TokensRow {
  campaign_id: string
  name?: string
  tokens: number
  cost_usd?: number
}

/** AnalyticsPage charts traffic, latency, runs and model tokens for admins. */
export function AnalyticsPage() {
  const auth = useAuth()
  const [win, setWin] = useState('1h')
  const q = useAnalytics(win)
  if (!auth.can('analytics:read')) return <p className="muted">Only administrators read analytics.</p>
  return (
    <section aria-labelledby="an-h" className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 id="an-h" className="h1 mr-auto">
          Analytics
        </h1>
        <div>
          <label className="label" htmlFor="an-win">
            Window
          </label>
          <select id="an-win" className="input" value={win} onChange={(e) => setWin(e.target.value)}>
            <option value="15m">15 minutes</option>
            <option value="1h">1 hour</option>
            <option value="24h">24 hours</option>
          </select>
        </div>
      </div>
      <QueryView q={q} label="Loading analytics…">
        {(d) => {
          const routes = [...(d.routes ?? [])].sort((a, b) => b.requests - a.requests).slice(0, 12)
          const labels = routes.map((r) => `${r.method} ${r.route.replace(/^\/api/, '')}`)
          const rs = d.runs_by_status
          const tokens = (d as { tokens_by_campaign?: TokensRow[] }).tokens_by_campaign
          return (
            <>
              <p className="muted">
                {d.websocket_connections} open WebSocket connection(s) · {d.from.slice(11, 19)}–{d.to.slice(11, 19)} UTC
              </p>
              <div className="grid gap-4 lg:grid-cols-2">
                <Chart title="Requests per route" labels={labels} bars series={[{ label: 'requests', values: routes.map((r) => r.requests), color: '#4338ca' }]} />
                <Chart
                  title="Error rate per route"
                  labels={labels}
                  bars
                  unit="%"
                  series={[{ label: 'error rate', values: routes.map((r) => r.error_rate * 100), color: '#b91c1c' }]}
                />
                <Chart
                  title="Latency per route (p50 / p95 / p99)"
                  labels={labels}
                  unit=" ms"
                  series={[
                    { label: 'p50', values: routes.map((r) => r.p50_ms), color: '#047857' },
                    { label: 'p95', values: routes.map((r) => r.p95_ms), color: '#b45309' },
                    { label: 'p99', values: routes.map((r) => r.p99_ms), color: '#b91c1c' },
                  ]}
                />
                <Chart
                  title="Runs by status"
                  xLabel="status"
                  labels={['queued', 'running', 'succeeded', 'failed', 'cancelled']}
                  bars
                  series={[{ label: 'runs', values: [rs.queued, rs.running, rs.succeeded, rs.failed, rs.cancelled], color: '#0369a1' }]}
                />
                {tokens && (
                  <Chart
                    title="Model tokens by campaign"
                    xLabel="campaign"
                    labels={tokens.map((t) => t.name || t.campaign_id)}
                    bars
                    series={[{ label: 'tokens', values: tokens.map((t) => t.tokens), color: '#7c3aed' }]}
                  />
                )}
              </div>
            </>
          )
        }}
      </QueryView>
    </section>
  )
}
