import type { ReactNode } from 'react'

/** Loading is the loading state of a list or page. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p role="status" aria-live="polite" className="muted py-6">
      {label}
    </p>
  )
}

/** ErrorState shows a failed load with a retry button. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const msg =
    (error as { detail?: string; title?: string; message?: string })?.detail ??
    (error as { title?: string })?.title ??
    (error as Error)?.message ??
    'Something went wrong.'
  return (
    <div role="alert" className="my-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900">
      <p>Could not load: {msg}</p>
      {retry && (
        <button type="button" className="btn mt-2" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  )
}

/** Empty is the empty state of a list. */
export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted rounded-md border border-dashed border-slate-300 p-6 text-center">{children}</p>
}

/** Query renders the three states of a query, then its data. */
export function QueryView<T>({
  q,
  empty,
  isEmpty,
  children,
  label,
}: {
  q: { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown }
  empty?: ReactNode
  isEmpty?: (d: T) => boolean
  children: (d: T) => ReactNode
  label?: string
}) {
  if (q.isPending) return <Loading label={label} />
  if (q.isError || q.data === undefined) return <ErrorState error={q.error} retry={() => void q.refetch()} />
  if (empty && isEmpty?.(q.data)) return <Empty>{empty}</Empty>
  return <>{children(q.data)}</>
}

/** fmtDate renders an RFC 3339 time for people. */
export function fmtDate(s?: string | null): string {
  if (!s) return '—'
  const d = new Date(s)
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString()
}

/** errorText returns a problem's message. */
export function errorText(err: unknown): string {
  const p = err as { detail?: string; title?: string; message?: string; errors?: { message?: string; location?: string }[] }
  const fields = p?.errors?.map((e) => [e.location, e.message].filter(Boolean).join(': ')).join('; ')
  return [p?.detail ?? p?.title ?? p?.message ?? 'Request failed', fields].filter(Boolean).join(' — ')
}
