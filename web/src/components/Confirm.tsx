import { useEffect, useRef, type ReactNode } from 'react'

/** Confirm is a modal dialog asking to confirm a destructive action. */
export function Confirm({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  open: boolean
  title: string
  children?: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal?.()
    if (!open && d.open) d.close()
  }, [open])
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-title"
      className="m-auto rounded-lg p-0 backdrop:bg-slate-900/40"
      onCancel={(e) => {
        e.preventDefault()
        onCancel()
      }}
    >
      <div className="w-96 max-w-full p-5">
        <h2 id="confirm-title" className="h2">
          {title}
        </h2>
        <div className="muted mt-2">{children}</div>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="btn" onClick={onCancel} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn-danger" onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  )
}
