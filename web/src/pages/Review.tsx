import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { useNavigate, useSearch } from '@tanstack/react-router'
import { useApi, useAuth, useLiveTopic } from '../api/react'
import type { components } from '../api/schema'
import { QueryView, errorText, fmtDate } from '../components/States'

type Comment = components['schemas']['CommentResponse']
type Prospect = components['schemas']['ProspectResponse']
type Post = Pick<Prospect, 'id' | 'url' | 'title' | 'site' | 'summary'> & Partial<Prospect>

/** ReviewSearch is the review page's URL state. */
export interface ReviewSearch {
  campaign?: string
  status?: 'draft' | 'approved' | 'rejected'
}

/** ReviewPage is the review queue: the post beside each draft, edit, approve, reject, in bulk, by keyboard. */
export function ReviewPage() {
  const search = useSearch({ from: '/review' })
  const navigate = useNavigate({ from: '/review' })
  const { $api } = useApi()
  const auth = useAuth()
  const all = auth.can('campaigns:read_all')
  const camps = $api.useQuery('get', '/api/campaigns', { params: { query: { limit: 200, ...(all ? { all: true } : {}) } } })
  const campaignId = search.campaign ?? camps.data?.items[0]?.id
  const status = search.status ?? 'draft'
  return (
    <section aria-labelledby="review-h">
      <h1 id="review-h" className="h1 mb-3">
        Review queue
      </h1>
      <QueryView q={camps} isEmpty={(d) => d.items.length === 0} empty="No campaigns to review yet." label="Loading campaigns…">
        {(d) => (
          <>
            <div className="card mb-3 flex flex-wrap items-end gap-3">
              <div>
                <label className="label" htmlFor="rv-campaign">
                  Campaign
                </label>
                <select
                  id="rv-campaign"
                  className="input"
                  value={campaignId}
                  onChange={(e) => void navigate({ search: { ...search, campaign: e.target.value } })}
                >
                  {d.items.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </div>
              <div>
                <label className="label" htmlFor="rv-status">
                  Status
                </label>
                <select
                  id="rv-status"
                  className="input"
                  value={status}
                  onChange={(e) => void navigate({ search: { ...search, status: e.target.value as ReviewSearch['status'] } })}
                >
                  <option value="draft">Waiting for review</option>
                  <option value="approved">Approved</option>
                  <option value="rejected">Rejected</option>
                </select>
              </div>
              <p className="muted" id="rv-keys">
                Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>x</kbd> select, <kbd>a</kbd> approve, <kbd>r</kbd> reject,{' '}
                <kbd>e</kbd> edit.
              </p>
            </div>
            {campaignId && (
              <Queue
                key={`${campaignId}/${status}`}
                campaignId={campaignId}
                ownerId={d.items.find((c) => c.id === campaignId)?.owner_id}
                status={status}
              />
            )}
          </>
        )}
      </QueryView>
    </section>
  )
}

function Queue({ campaignId, ownerId, status }: { campaignId: string; ownerId?: string; status: NonNullable<ReviewSearch['status']> }) {
  const { $api, queryClient } = useApi()
  const auth = useAuth()
  const canReview = auth.can('comments:review')
  useLiveTopic(`campaign:${campaignId}`)
  const q = $api.useQuery('get', '/api/campaigns/{id}/comments', { params: { path: { id: campaignId }, query: { status, limit: 200 } } })
  const needPosts = !!q.data?.items.some((c) => !(c as { prospect?: Post }).prospect)
  const posts = $api.useQuery(
    'get',
    '/api/campaigns/{id}/prospects',
    // Drafts are written for the most relevant posts: those come first.
    { params: { path: { id: campaignId }, query: { limit: 200, sort: '-relevance' } } },
    { enabled: needPosts },
  )
  const byId = useMemo(() => new Map((posts.data?.items ?? []).map((p) => [p.id, p as Post])), [posts.data])
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [bulkErr, setBulkErr] = useState('')
  const [bulkReason, setBulkReason] = useState('')
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns/{id}/comments'] })
  const approve = $api.useMutation('post', '/api/comments/{id}/approve')
  const reject = $api.useMutation('post', '/api/comments/{id}/reject')
  async function bulk(kind: 'approve' | 'reject') {
    setBulkErr('')
    const ids = [...selected]
    const results = await Promise.allSettled(
      ids.map((id) =>
        kind === 'approve'
          ? approve.mutateAsync({ params: { path: { id } } })
          : reject.mutateAsync({ params: { path: { id } }, body: bulkReason ? { reason: bulkReason } : {} }),
      ),
    )
    const failed = results.filter((r) => r.status === 'rejected').length
    if (failed) setBulkErr(`${failed} of ${ids.length} could not be ${kind === 'approve' ? 'approved' : 'rejected'}.`)
    setSelected(new Set())
    void refresh()
  }
  const listRef = useRef<HTMLOListElement>(null)
  function onKey(e: KeyboardEvent<HTMLOListElement>) {
    const t = e.target as HTMLElement
    if (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) return
    const items = [...(listRef.current?.querySelectorAll<HTMLElement>('li[data-draft]') ?? [])]
    const cur = t.closest<HTMLElement>('li[data-draft]')
    const i = cur ? items.indexOf(cur) : -1
    const click = (sel: string) => cur?.querySelector<HTMLElement>(sel)?.click()
    switch (e.key) {
      case 'j':
        items[Math.min(items.length - 1, i + 1)]?.focus()
        break
      case 'k':
        items[Math.max(0, i - 1)]?.focus()
        break
      case 'x':
        click('input[data-select]')
        break
      case 'a':
        click('button[data-approve]')
        break
      case 'r':
        click('button[data-reject]')
        break
      case 'e':
        click('button[data-edit]')
        break
      default:
        return
    }
    e.preventDefault()
  }
  return (
    <QueryView
      q={q}
      isEmpty={(d) => d.items.length === 0}
      empty={status === 'draft' ? 'Nothing waiting for review.' : `No ${status} drafts.`}
      label="Loading drafts…"
    >
      {(d) => (
        <>
          {canReview && status === 'draft' && (
            <div className="card mb-3 flex flex-wrap items-end gap-2" role="group" aria-label="Bulk actions">
              <label className="flex items-center gap-1 text-sm">
                <input
                  type="checkbox"
                  checked={selected.size === d.items.length && d.items.length > 0}
                  onChange={(e) => setSelected(e.target.checked ? new Set(d.items.map((c) => c.id)) : new Set())}
                />
                Select all ({selected.size} selected)
              </label>
              <button type="button" className="btn" disabled={!selected.size} onClick={() => void bulk('approve')}>
                Approve selected
              </button>
              <div>
                <label className="label" htmlFor="bulk-reason">
                  Reason for rejecting
                </label>
                <input id="bulk-reason" className="input" value={bulkReason} onChange={(e) => setBulkReason(e.target.value)} />
              </div>
              <button type="button" className="btn" disabled={!selected.size} onClick={() => void bulk('reject')}>
                Reject selected
              </button>
              {bulkErr && (
                <p role="alert" className="text-sm text-red-800">
                  {bulkErr}
                </p>
              )}
            </div>
          )}
          <ol ref={listRef} onKeyDown={onKey} className="space-y-3" aria-label="Drafts" aria-describedby="rv-keys">
            {d.items.map((c) => (
              <Draft
                key={c.id}
                c={c}
                ownerId={ownerId}
                post={(c as { prospect?: Post }).prospect ?? byId.get(c.prospect_id)}
                canReview={canReview}
                selected={selected.has(c.id)}
                onSelect={(on) =>
                  setSelected((s) => {
                    const n = new Set(s)
                    if (on) n.add(c.id)
                    else n.delete(c.id)
                    return n
                  })
                }
                onChanged={() => void refresh()}
              />
            ))}
          </ol>
        </>
      )}
    </QueryView>
  )
}

function Draft({
  c,
  ownerId,
  post,
  canReview,
  selected,
  onSelect,
  onChanged,
}: {
  c: Comment
  ownerId?: string
  post?: Post
  canReview: boolean
  selected: boolean
  onSelect: (on: boolean) => void
  onChanged: () => void
}) {
  const { $api } = useApi()
  const auth = useAuth()
  const [editing, setEditing] = useState(false)
  const [body, setBody] = useState(c.body)
  const [rejecting, setRejecting] = useState(false)
  const [reason, setReason] = useState('')
  const [err, setErr] = useState('')
  const reasonRef = useRef<HTMLInputElement>(null)
  const editRef = useRef<HTMLTextAreaElement>(null)
  const opts = { onSuccess: onChanged, onError: (e: unknown) => setErr(errorText(e)) }
  const approve = $api.useMutation('post', '/api/comments/{id}/approve', opts)
  const reject = $api.useMutation('post', '/api/comments/{id}/reject', opts)
  const edit = $api.useMutation('patch', '/api/comments/{id}', {
    onSuccess: () => {
      setEditing(false)
      onChanged()
    },
    onError: (e: unknown) => setErr(errorText(e)),
  })
  useEffect(() => setBody(c.body), [c.body])
  useEffect(() => {
    if (rejecting) reasonRef.current?.focus()
  }, [rejecting])
  useEffect(() => {
    if (editing) editRef.current?.focus()
  }, [editing])
  const isDraft = c.status === 'draft'
  const title = post?.title || post?.url || 'post'
  // Only the campaign's owner edits a draft (the server answers others 404).
  const canEdit = isDraft && !!ownerId && ownerId === auth.user?.id
  return (
    <li data-draft={c.id} tabIndex={0} className="card grid gap-4 md:grid-cols-2" aria-label={`Draft for ${title}`}>
      <article aria-label="The post">
        <h2 className="font-semibold">
          {post ? (
            <a href={post.url} target="_blank" rel="noopener noreferrer" className="text-indigo-800 underline">
              {title}
            </a>
          ) : (
            'Post'
          )}
        </h2>
        <p className="text-xs text-slate-600">
          {post?.site}
          {post?.author ? ` · ${post.author}` : ''}
          {post?.published_at ? ` · ${fmtDate(post.published_at).split(',')[0]}` : ''}
        </p>
        <p className="mt-2 text-sm whitespace-pre-line">{post?.summary || 'No summary.'}</p>
      </article>
      <div>
        <div className="mb-2 flex flex-wrap items-center gap-2 text-sm">
          {canReview && isDraft && (
            <label className="flex items-center gap-1">
              <input type="checkbox" data-select checked={selected} onChange={(e) => onSelect(e.target.checked)} />
              <span className="sr-only">Select draft for {title}</span>
            </label>
          )}
          <span className="rounded bg-indigo-50 px-1.5 text-indigo-900" title="The quality reviewer's score, 0 to 100">
            score {c.score}/100
          </span>
          {c.flags.length > 0 ? (
            c.flags.map((f) => (
              <span key={f} className="rounded bg-amber-100 px-1.5 text-amber-900">
                {f}
              </span>
            ))
          ) : (
            <span className="text-slate-600">no flags</span>
          )}
          {!isDraft && (
            <span className="text-slate-700">
              {c.status} {c.reviewed_at ? fmtDate(c.reviewed_at) : ''} {c.reject_reason ? `— ${c.reject_reason}` : ''}
            </span>
          )}
        </div>
        {editing ? (
          <div>
            <label className="label" htmlFor={`body-${c.id}`}>
              Draft text
            </label>
            <textarea
              ref={editRef}
              id={`body-${c.id}`}
              className="input"
              rows={6}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setEditing(false)
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) edit.mutate({ params: { path: { id: c.id } }, body: { body } })
              }}
            />
            <div className="mt-2 flex gap-2">
              <button type="button" className="btn-primary" onClick={() => edit.mutate({ params: { path: { id: c.id } }, body: { body } })}>
                Save draft
              </button>
              <button type="button" className="btn" onClick={() => (setEditing(false), setBody(c.body))}>
                Cancel edit
              </button>
            </div>
          </div>
        ) : (
          <blockquote className="rounded border-l-4 border-indigo-300 bg-slate-50 p-2 text-sm whitespace-pre-line" data-testid="draft-body">
            {c.body}
          </blockquote>
        )}
        {isDraft && !editing && (
          <div className="mt-2 flex flex-wrap gap-2">
            {canEdit && (
              <button type="button" className="btn" data-edit onClick={() => setEditing(true)} aria-label={`Edit draft for ${title}`}>
                Edit
              </button>
            )}
            {canReview && (
              <>
                <button
                  type="button"
                  className="btn-primary"
                  data-approve
                  onClick={() => approve.mutate({ params: { path: { id: c.id } } })}
                  aria-label={`Approve draft for ${title}`}
                >
                  Approve
                </button>
                <button type="button" className="btn" data-reject onClick={() => setRejecting(true)} aria-label={`Reject draft for ${title}`}>
                  Reject…
                </button>
              </>
            )}
          </div>
        )}
        {rejecting && isDraft && (
          <form
            className="mt-2 flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault()
              reject.mutate({ params: { path: { id: c.id } }, body: reason ? { reason } : {} })
            }}
          >
            <div className="flex-1">
              <label className="label" htmlFor={`reason-${c.id}`}>
                Reason
              </label>
              <input
                ref={reasonRef}
                id={`reason-${c.id}`}
                className="input"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                onKeyDown={(e) => e.key === 'Escape' && setRejecting(false)}
              />
            </div>
            <button type="submit" className="btn-danger">
              Confirm reject
            </button>
            <button type="button" className="btn" onClick={() => setRejecting(false)}>
              Cancel
            </button>
          </form>
        )}
        {err && (
          <p role="alert" className="mt-2 text-sm text-red-800">
            {err}
          </p>
        )}
      </div>
    </li>
  )
}

