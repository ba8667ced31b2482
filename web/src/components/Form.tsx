import type { ReactNode } from 'react'

/** Field is a labelled input. */
export function Field({
  id,
  label,
  type = 'text',
  autoComplete,
  required = true,
  minLength,
  defaultValue,
}: {
  id: string
  label: string
  type?: string
  autoComplete?: string
  required?: boolean
  minLength?: number
  defaultValue?: string
}) {
  return (
    <div>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      <input
        className="input"
        id={id}
        name={id}
        type={type}
        required={required}
        minLength={minLength}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
      />
    </div>
  )
}

/** FormStatus shows a form's error (role alert) or success (role status). */
export function FormStatus({ error, ok }: { error?: string; ok?: ReactNode }) {
  return (
    <>
      {error && (
        <p role="alert" className="text-sm text-red-800">
          {error}
        </p>
      )}
      {ok && !error && (
        <p role="status" className="text-sm text-emerald-800">
          {ok}
        </p>
      )}
    </>
  )
}

/** PublicFrame is the frame of the pages people open from an e-mail link. */
export function PublicFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="mx-auto mt-16 max-w-sm px-4">
      <p className="mb-6 text-lg font-bold text-indigo-800">
        <a href="/">kpbot</a>
      </p>
      <div className="card space-y-3">
        <h1 className="h1">{title}</h1>
        {children}
      </div>
    </main>
  )
}

/** tokenFromURL reads ?token= of the current address. */
export function tokenFromURL(): string {
  return new URLSearchParams(window.location.search).get('token') ?? ''
}
