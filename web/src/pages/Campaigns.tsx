import { useState, type FormEvent } from 'react'
import { Link } from '@tanstack/react-router'
import { useApi, useAuth } from '../api/react'
import type { components } from '../api/schema'
import { Confirm } from '../components/Confirm'
import { QueryView, errorText, fmtDate } from '../components/States'

type Campaign = components['schemas']['CampaignResponse']

const lines = (s: FormDataEntryValue | null) =>
  String(s ?? '')
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean)

/** CampaignsPage lists, creates, edits, archives and deletes campaigns. */
export function CampaignsPage() {
  const { $api } = useApi()
  const auth = useAuth()
  const [all, setAll] = useState(false)
  const [creating, setCreating] = useState(false)
  const q = $api.useQuery('get', '/api/campaigns', { params: { query: { limit: 200, ...(all ? { all: true } : {}) } } })
  return (
    <section aria-labelledby="campaigns-h">
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <h1 id="campaigns-h" className="h1">
          Campaigns
        </h1>
        {auth.can('campaigns:read_all') && (
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Everyone&apos;s campaigns
          </label>
        )}
        <button type="button" className="btn-primary ml-auto" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          New campaign
        </button>
      </div>
      {creating && <CampaignForm onDone={() => setCreating(false)} />}
      <QueryView q={q} isEmpty={(d) => d.items.length === 0} empty="No campaigns yet. Create one to start." label="Loading campaigns…">
        {(d) => (
          <ul className="space-y-3" aria-label="Campaigns">
            {d.items.map((c) => (
              <CampaignRow key={c.id} c={c} />
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  )
}

function CampaignRow({ c }: { c: Campaign }) {
  const { $api, queryClient } = useApi()
  const [editing, setEditing] = useState(false)
  const [confirm, setConfirm] = useState(false)
  const [err, setErr] = useState('')
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns'] })
  const patch = $api.useMutation('patch', '/api/campaigns/{id}', { onSuccess: invalidate, onError: (e) => setErr(errorText(e)) })
  const del = $api.useMutation('delete', '/api/campaigns/{id}', { onSuccess: invalidate, onError: (e) => setErr(errorText(e)) })
  const archived = c.status === 'archived'
  return (
    <li className="card">
      <div className="flex flex-wrap items-start gap-2">
        <div className="min-w-0 flex-1">
          <h2 className="h2">
            <Link to="/campaigns/$id" params={{ id: c.id }} className="text-indigo-800 hover:underline">
              {c.name}
            </Link>
            {archived && <span className="ml-2 rounded bg-slate-200 px-1.5 text-xs text-slate-800">archived</span>}
          </h2>
          <p className="muted">
            Keywords: {c.keywords.join(', ')} · updated {fmtDate(c.updated_at)}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn" onClick={() => setEditing((e) => !e)} aria-label={`Edit ${c.name}`} aria-expanded={editing}>
            Edit
          </button>
          <button
            type="button"
            className="btn"
            aria-label={`${archived ? 'Unarchive' : 'Archive'} ${c.name}`}
            onClick={() => patch.mutate({ params: { path: { id: c.id } }, body: { status: archived ? 'active' : 'archived' } })}
          >
            {archived ? 'Unarchive' : 'Archive'}
          </button>
          <button type="button" className="btn" aria-label={`Delete ${c.name}`} onClick={() => setConfirm(true)}>
            Delete
          </button>
        </div>
      </div>
      {err && (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {err}
        </p>
      )}
      {editing && <CampaignForm campaign={c} onDone={() => setEditing(false)} />}
      <Confirm
        open={confirm}
        title={`Delete “${c.name}”?`}
        confirmLabel="Delete campaign"
        onCancel={() => setConfirm(false)}
        onConfirm={() => {
          setConfirm(false)
          del.mutate({ params: { path: { id: c.id } } })
        }}
      >
        Its runs, prospects and drafts are deleted too. This cannot be undone.
      </Confirm>
    </li>
  )
}

/** CampaignForm creates a campaign, or edits the one given. */
export function CampaignForm({ campaign, onDone }: { campaign?: Campaign; onDone: () => void }) {
  const { $api, queryClient } = useApi()
  const [err, setErr] = useState('')
  const opts = {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns'] })
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns/{id}'] })
      onDone()
    },
    onError: (e: unknown) => setErr(errorText(e)),
  }
  const create = $api.useMutation('post', '/api/campaigns', opts)
  const update = $api.useMutation('patch', '/api/campaigns/{id}', opts)
  const p = campaign?.id ?? 'new'
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const max = Number(f.get('max_prospects') || 0)
    const body = {
      name: String(f.get('name') ?? '').trim(),
      keywords: lines(f.get('keywords')),
      seed_urls: lines(f.get('seed_urls')),
      topics: lines(f.get('topics')),
      language: String(f.get('language') ?? '').trim() || undefined,
      tone: String(f.get('tone') ?? '').trim() || undefined,
      comment_guidelines: String(f.get('comment_guidelines') ?? '').trim() || undefined,
      ...(max > 0 ? { max_prospects: max } : {}),
    }
    setErr('')
    if (campaign) update.mutate({ params: { path: { id: campaign.id } }, body })
    else create.mutate({ body })
  }
  const field = (name: string, label: string, def?: string, area = false, hint?: string) => (
    <div>
      <label className="label" htmlFor={`${p}-${name}`}>
        {label}
      </label>
      {area ? (
        <textarea className="input" id={`${p}-${name}`} name={name} defaultValue={def} rows={2} aria-describedby={hint ? `${p}-${name}-hint` : undefined} />
      ) : (
        <input className="input" id={`${p}-${name}`} name={name} defaultValue={def} aria-describedby={hint ? `${p}-${name}-hint` : undefined} />
      )}
      {hint && (
        <p id={`${p}-${name}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
    </div>
  )
  return (
    <form onSubmit={submit} className="card my-3 grid gap-3 sm:grid-cols-2" aria-label={campaign ? `Edit ${campaign.name}` : 'New campaign'}>
      {field('name', 'Name', campaign?.name)}
      {field('keywords', 'Keywords', campaign?.keywords.join(', '), false, 'Comma-separated, at least one.')}
      {field('seed_urls', 'Seed URLs', campaign?.seed_urls.join('\n'), true, 'Blogs or feeds to start from, one per line.')}
      {field('topics', 'Topics', campaign?.topics.join(', '), false, 'Comma-separated, optional.')}
      {field('language', 'Language', campaign?.language)}
      {field('tone', 'Tone', campaign?.tone)}
      {field('max_prospects', 'Max prospects', campaign?.max_prospects ? String(campaign.max_prospects) : '')}
      {field('comment_guidelines', 'Comment guidelines', campaign?.comment_guidelines, true)}
      {err && (
        <p role="alert" className="text-sm text-red-800 sm:col-span-2">
          {err}
        </p>
      )}
      <div className="flex gap-2 sm:col-span-2">
        <button type="submit" className="btn-primary" disabled={create.isPending || update.isPending}>
          {campaign ? 'Save changes' : 'Create campaign'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
