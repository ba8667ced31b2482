import { useState, type FormEvent } from 'react'
import { useNavigate } from '@tanstack/react-router'
import { useAuth } from '../api/react'
import { errorText } from '../components/States'
import { Field, FormStatus, PublicFrame, tokenFromURL } from '../components/Form'

/** AcceptInvitationPage creates the invited account and signs it in. */
export function AcceptInvitationPage() {
  const auth = useAuth()
  const navigate = useNavigate()
  const [token] = useState(tokenFromURL)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    setBusy(true)
    setError('')
    try {
      await auth.acceptInvitation(token, String(f.get('password') ?? ''), String(f.get('name') ?? '') || undefined)
      await navigate({ to: '/' })
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <PublicFrame title="Accept invitation">
      {!token ? (
        <p role="alert" className="text-sm text-red-800">
          This link has no token. Ask the administrator for a new invitation.
        </p>
      ) : (
        <form onSubmit={submit} aria-label="Accept invitation" className="space-y-3">
          <p className="text-sm text-slate-700">Choose a password for your new kpbot account.</p>
          <Field id="name" label="Name" autoComplete="name" required={false} />
          <Field id="password" label="Password" type="password" autoComplete="new-password" minLength={8} />
          <FormStatus error={error} />
          <button type="submit" className="btn-primary w-full justify-center" disabled={busy}>
            {busy ? 'Please wait…' : 'Create my account'}
          </button>
        </form>
      )}
    </PublicFrame>
  )
}
