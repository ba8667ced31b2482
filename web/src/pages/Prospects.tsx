import { useState, type FormEvent } from 'react'
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router'
import { useApi } from '../api/react'
import type { operations } from '../api/schema'
import { QueryView, fmtDate } from '../components/States'

/** ProspectSearch is the prospects page's URL state. */
export interface ProspectSearch {
  sort?: string
  q?: string
  min?: string
  open?: boolean
}

type ListQuery = NonNullable<operations['list-prospects']['parameters']['query']>
const PAGE = 50

const columns: { key: string; label: string; sortable?: boolean }[] = [
  { key: 'title', label: 'Title', sortable: true },
  { key: 'site', label: 'Site' },
  { key: 'author', label: 'Author' },
  { key: 'published_at', label: 'Date', sortable: true },
  { key: 'relevance', label: 'Relevance', sortable: true },
  { key: 'accepts_comments', label: 'Comments open' },
  { key: 'language', label: 'Language' },
  { key: 'link', label: 'Link' },
]

/** ProspectsPage is the server-paged, sortable, filterable table of a campaign's prospects. */
export function ProspectsPage() {
  const { id } = useParams({ from: '/campaigns/$id/prospects' })
  const search = useSearch({ from: '/campaigns/$id/prospects' })
  const navigate = useNavigate({ from: '/campaigns/$id/prospects' })
  const { $api } = useApi()
  const [cursors, setCursors] = useState<string[]>([''])
  const cursor = cursors[cursors.length - 1]
  const query = {
    limit: PAGE,
    ...(cursor ? { cursor } : {}),
    ...(search.sort ? { sort: search.sort as NonNullable<ListQuery['sort']> } : {}),
    ...(search.q ? { q: search.q } : {}),
    ...(search.min ? { min_relevance: Number(search.min) } : {}),
    ...(search.open ? { accepts_comments: true } : {}),
  } satisfies ListQuery
  const q = $api.useQuery('get', '/api/campaigns/{id}/prospects', { params: { path: { id }, query } }, { placeholderData: (p) => p })
  const c = $api.useQuery('get', '/api/campaigns/{id}', { params: { path: { id } } })
  const setSearch = (s: ProspectSearch) => {
    setCursors([''])
    void navigate({ search: s })
  }
  const sortBy = (key: string) => {
    const cur = search.sort
    const next = cur === `-${key}` ? key : `-${key}`
    setSearch({ ...search, sort: next })
  }
  function filter(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    setSearch({
      ...search,
      q: String(f.get('q') ?? '').trim() || undefined,
      min: String(f.get('min') ?? '') || undefined,
      open: f.get('open') === 'on' || undefined,
    })
  }
  const total = q.data?.total
  const from = (cursors.length - 1) * PAGE
  return (
    <section aria-labelledby="prospects-h">
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <h1 id="prospects-h" className="h1 mr-auto">
          Prospects{c.data ? ` · ${c.data.name}` : ''}
        </h1>
        <Link to="/campaigns/$id" params={{ id }} className="btn">
          Back to campaign
        </Link>
      </div>
      <form onSubmit={filter} className="card mb-3 flex flex-wrap items-end gap-3" aria-label="Filter prospects" key={JSON.stringify(search)}>
        <div>
          <label className="label" htmlFor="pf-q">
            Search
          </label>
          <input className="input" id="pf-q" name="q" defaultValue={search.q} placeholder="title, site or author" />
        </div>
        <div>
          <label className="label" htmlFor="pf-min">
            Minimum relevance
          </label>
          <select className="input" id="pf-min" name="min" defaultValue={search.min ?? ''}>
            <option value="">any</option>
            <option value="0.25">25%</option>
            <option value="0.5">50%</option>
            <option value="0.75">75%</option>
          </select>
        </div>
        <label className="flex items-center gap-1 text-sm">
          <input type="checkbox" name="open" defaultChecked={!!search.open} /> Comments open only
        </label>
        <button type="submit" className="btn-primary">
          Apply filters
        </button>
        <button type="button" className="btn" onClick={() => setSearch({})}>
          Clear
        </button>
      </form>
      <QueryView q={q} isEmpty={(d) => d.items.length === 0} empty="No prospects match. Run the campaign or loosen the filters." label="Loading prospects…">
        {(d) => (
          <>
            <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
              <table className="w-full" data-testid="prospects-table">
                <caption className="sr-only">Prospects, {search.sort ? `sorted by ${search.sort}` : 'newest first'}</caption>
                <thead>
                  <tr>
                    {columns.map((col) => {
                      const dir = search.sort === col.key ? 'ascending' : search.sort === `-${col.key}` ? 'descending' : undefined
                      return (
                        <th key={col.key} className="th" scope="col" aria-sort={col.sortable ? (dir ?? 'none') : undefined}>
                          {col.sortable ? (
                            <button type="button" className="uppercase hover:underline" onClick={() => sortBy(col.key)}>
                              {col.label} {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : ''}
                            </button>
                          ) : (
                            col.label
                          )}
                        </th>
                      )
                    })}
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((p) => (
                    <tr key={p.id}>
                      <td className="td max-w-xs">
                        <span className="font-medium">{p.title || p.url}</span>
                        {p.summary && <p className="line-clamp-2 text-xs text-slate-600">{p.summary}</p>}
                      </td>
                      <td className="td">{p.site}</td>
                      <td className="td">{p.author || '—'}</td>
                      <td className="td whitespace-nowrap">{p.published_at ? fmtDate(p.published_at).split(',')[0] : '—'}</td>
                      <td className="td">
                        <span aria-label={`relevance ${Math.round(p.relevance * 100)}%`}>{Math.round(p.relevance * 100)}%</span>
                      </td>
                      <td className="td">{p.accepts_comments ? `yes (${p.comment_system})` : 'no'}</td>
                      <td className="td">
                        {p.language || '—'}
                        {p.dir === 'rtl' && <span className="text-xs text-slate-600"> (right to left)</span>}
                      </td>
                      <td className="td">
                        <a href={p.url} target="_blank" rel="noopener noreferrer" className="text-indigo-800 underline">
                          Open<span className="sr-only"> {p.title || p.url} (new tab)</span>
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav aria-label="Pages" className="mt-3 flex items-center gap-2">
              <button type="button" className="btn" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous page
              </button>
              <span className="muted" data-testid="page-info">
                {from + 1}–{from + d.items.length}
                {total !== undefined ? ` of ${total.toLocaleString()}` : ''}
              </span>
              <button
                type="button"
                className="btn"
                disabled={!d.next_cursor}
                onClick={() => d.next_cursor && setCursors((c) => [...c, d.next_cursor])}
              >
                Next page
              </button>
            </nav>
          </>
        )}
      </QueryView>
    </section>
  )
}
