import { useState } from 'react'
import { useApi } from '../api/react'
import { errorText } from './States'

/** ExportButton downloads a campaign's approved drafts as CSV. */
export function ExportButton({ campaignId, name }: { campaignId: string; name: string }) {
  const { client } = useApi()
  const [err, setErr] = useState('')
  const [busy, setBusy] = useState(false)
  async function go() {
    setBusy(true)
    setErr('')
    try {
      const r = await client.GET('/api/campaigns/{id}/comments/export', {
        params: { path: { id: campaignId }, query: { format: 'csv' } },
        parseAs: 'text',
      })
      if (!r.response.ok || typeof r.data !== 'string') throw r.error ?? new Error(`export failed (${r.response.status})`)
      const url = URL.createObjectURL(new Blob([r.data], { type: 'text/csv' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `${name.replace(/[^\w.-]+/g, '-') || 'campaign'}-approved.csv`
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
    } catch (e) {
      setErr(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <span>
      <button type="button" className="btn" onClick={() => void go()} disabled={busy}>
        Export CSV
      </button>
      {err && (
        <span role="alert" className="ml-2 text-sm text-red-800">
          {err}
        </span>
      )}
    </span>
  )
}
