import { useState, type FormEvent } from 'react'
import { useAuth } from '../api/react'
import { errorText } from '../components/States'

/** SignIn is the sign-in and create-account page. */
export function SignIn() {
  const auth = useAuth()
  const [mode, setMode] = useState<'login' | 'register'>('login')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const email = String(f.get('email') ?? '')
    const password = String(f.get('password') ?? '')
    setBusy(true)
    setError('')
    try {
      if (mode === 'login') await auth.login(email, password)
      else await auth.register(email, password, String(f.get('name') ?? '') || undefined)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  const title = mode === 'login' ? 'Sign in' : 'Create account'
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <h1 className="h1 mb-1">kpbot</h1>
      <p className="muted mb-6">Blog outreach, drafted by a crew, reviewed by people.</p>
      <div className="card">
        <div role="tablist" aria-label="Account" className="mb-4 flex gap-2">
          {(['login', 'register'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m}
              className={mode === m ? 'btn-primary' : 'btn'}
              onClick={() => {
                setMode(m)
                setError('')
              }}
            >
              {m === 'login' ? 'Sign in' : 'Create account'}
            </button>
          ))}
        </div>
        <form onSubmit={submit} aria-label={title} className="space-y-3">
          <h2 className="h2">{title}</h2>
          {mode === 'register' && (
            <div>
              <label className="label" htmlFor="name">
                Name
              </label>
              <input className="input" id="name" name="name" autoComplete="name" />
            </div>
          )}
          <div>
            <label className="label" htmlFor="email">
              Email
            </label>
            <input className="input" id="email" name="email" type="email" required autoComplete="email" />
          </div>
          <div>
            <label className="label" htmlFor="password">
              Password
            </label>
            <input
              className="input"
              id="password"
              name="password"
              type="password"
              required
              minLength={mode === 'register' ? 8 : undefined}
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            />
          </div>
          {error && (
            <p role="alert" className="text-sm text-red-800">
              {error}
            </p>
          )}
          <button type="submit" className="btn-primary w-full justify-center" disabled={busy}>
            {busy ? 'Please wait…' : title}
          </button>
        </form>
      </div>
    </main>
  )
}
