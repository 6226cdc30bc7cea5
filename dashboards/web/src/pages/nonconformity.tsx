// One nonconformity: what it is, its ageing, every version of it (who changed what, when), and for
// an admin the forms that record containment, root cause and corrective action, and close it.
import { useState } from 'preact/hooks'
import { ApiError, api } from '../api/client.js'
import { NIL_UUID, type AgedNonconformity, type Nonconformity } from '../api/governance-types.js'
import type { Session } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { ErrorMessage, Loading } from '../components/states.js'
import { formatTime } from '../lib/format.js'
import { Link, type Location } from '../lib/router.js'
import { DueDate } from './nonconformities.js'

interface Detail { nonconformity: AgedNonconformity; history: Nonconformity[] }

export function NonconformityPage({ id, session }: { location: Location; id: string; session: Session }) {
  const detail = useApi<Detail>(`/v1/nonconformities/${encodeURIComponent(id)}`)
  const [status, setStatus] = useState<string>()
  const [form, setForm] = useState<'update' | 'close'>()
  const canChange = session.scopes.includes('admin')
  const nc = detail.data?.nonconformity
  const done = (message: string) => { setForm(undefined); setStatus(message); detail.reload() }
  return (
    <section data-ready={String(!detail.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Nonconformity <code>{id.slice(0, 8)}</code>{nc && <span class="title"> {nc.status.replace('_', ' ')}</span>}</h1>
        <Link href="/nonconformities">All nonconformities</Link>
      </div>
      <p role="status" aria-live="polite" class="status-line" data-testid="nc-status">{status ?? ''}</p>
      {detail.error && <ErrorMessage error={detail.error} what="the nonconformity" onRetry={detail.reload} />}
      {!detail.data && detail.loading && <Loading what="the nonconformity" />}
      {nc && (
        <>
          <dl class="facts" data-testid="nc-facts">
            <div><dt>Description</dt><dd>{nc.description}</dd></div>
            <div><dt>Status</dt><dd data-testid="nc-state">{nc.status.replace('_', ' ')}</dd></div>
            <div><dt>Control</dt><dd>{nc.controlId ? <Link href={`/controls/${encodeURIComponent(nc.controlId)}`}>{nc.controlId}</Link> : 'none (opened by hand)'}</dd></div>
            <div><dt>Opened by</dt><dd>{nc.alertId === NIL_UUID ? <>hand</> : <>a breach: <Link href={`/alerts?state=&id=${nc.alertId}`}>alert</Link>, <Link href={`/evaluations/${nc.evaluationId}`}>evaluation</Link></>}, {formatTime(nc.openedAt)} ({nc.ageing.ageDays} days {nc.status === 'closed' ? 'until closure' : 'ago'})</dd></div>
            <div><dt>Owner</dt><dd>{nc.owner}</dd></div>
            <div><dt>Due</dt><dd><DueDate nc={nc} /></dd></div>
            <div><dt>Containment</dt><dd>{nc.containment ?? '—'}</dd></div>
            <div><dt>Root cause</dt><dd>{nc.rootCause ?? '—'}</dd></div>
            <div><dt>Corrective action</dt><dd>{nc.correctiveAction ?? '—'}</dd></div>
            <div><dt>Effectiveness</dt><dd>{!nc.effectivenessCheck ? '— (a passing evaluation of the control after the action, or a review)' : nc.effectivenessCheck.note
              ? <>reviewed by {nc.effectivenessCheck.by} at {formatTime(nc.effectivenessCheck.at)}: {nc.effectivenessCheck.note}</>
              : <><Link href={`/evaluations/${nc.effectivenessCheck.evaluationId}`}>passing evaluation</Link> at {formatTime(nc.effectivenessCheck.at)}</>}</dd></div>
            <div><dt>Closed</dt><dd>{nc.closed ? <>{formatTime(nc.closed.at)} by {nc.closed.by}: “{nc.closed.note}”</> : '—'}</dd></div>
          </dl>
          {!canChange && nc.status !== 'closed' && <p class="state state-info">Signed in with a key without the <code>admin</code> scope: updating and closing need an admin key.</p>}
          {canChange && nc.status !== 'closed' && !form && (
            <div class="actions">
              <button type="button" onClick={() => setForm('update')}>Update</button>
              <button type="button" class="secondary" onClick={() => setForm('close')}>Close</button>
            </div>
          )}
          {form === 'update' && <UpdateForm nc={nc} onCancel={() => setForm(undefined)} onDone={done} />}
          {form === 'close' && <CloseForm nc={nc} onCancel={() => setForm(undefined)} onDone={done} />}
          <h2>History</h2>
          <ol class="history" data-testid="nc-history">
            {detail.data!.history.map((v) => <li key={v.version}>v{v.version} · {formatTime(v.changedAt)} · {v.status.replace('_', ' ')} by {v.changedBy}</li>)}
          </ol>
        </>
      )}
    </section>
  )
}

const UPDATE_FIELDS = [
  ['containment', 'Containment (what was done to limit the effects)'],
  ['rootCause', 'Root cause'],
  ['correctiveAction', 'Corrective action (what removes the cause)'],
  ['owner', 'Owner'],
] as const

function UpdateForm({ nc, onCancel, onDone }: { nc: AgedNonconformity; onCancel: () => void; onDone: (message: string) => void }) {
  const [fields, setFields] = useState<Record<string, string>>({ containment: nc.containment ?? '', rootCause: nc.rootCause ?? '', correctiveAction: nc.correctiveAction ?? '', owner: nc.owner, dueDate: nc.dueDate.slice(0, 10) })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const submit = async (event: Event) => {
    event.preventDefault()
    // Only what changed: each update is a new version, and an unchanged field is no news.
    const before: Record<string, string> = { containment: nc.containment ?? '', rootCause: nc.rootCause ?? '', correctiveAction: nc.correctiveAction ?? '', owner: nc.owner, dueDate: nc.dueDate.slice(0, 10) }
    const changes = Object.fromEntries(Object.entries(fields).map(([k, v]): [string, string] => [k, v.trim()]).filter(([k, v]) => v !== '' && v !== before[k]))
    if (Object.keys(changes).length === 0) return setError('Nothing changed.')
    setBusy(true)
    setError(undefined)
    try {
      const updated = await api<{ nonconformity: Nonconformity }>(`/v1/nonconformities/${nc.id}`, { method: 'POST', body: changes })
      onDone(`Saved: version ${updated.nonconformity.version}, ${updated.nonconformity.status.replace('_', ' ')}.`)
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
      setBusy(false)
    }
  }
  return (
    <form class="change-form" onSubmit={submit} aria-label="Update the nonconformity">
      {UPDATE_FIELDS.map(([name, label]) => (
        <div key={name} class="change-form">
          <label for={`nc-${name}`}>{label}</label>
          {name === 'owner'
            ? <input id={`nc-${name}`} value={fields[name]} onInput={(e) => setFields({ ...fields, [name]: (e.target as HTMLInputElement).value })} />
            : <textarea id={`nc-${name}`} rows={2} value={fields[name]} onInput={(e) => setFields({ ...fields, [name]: (e.target as HTMLTextAreaElement).value })} />}
        </div>
      ))}
      <label for="nc-dueDate">Due date</label>
      <input id="nc-dueDate" type="date" value={fields.dueDate} onInput={(e) => setFields({ ...fields, dueDate: (e.target as HTMLInputElement).value })} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>Save</button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  )
}

function CloseForm({ nc, onCancel, onDone }: { nc: AgedNonconformity; onCancel: () => void; onDone: (message: string) => void }) {
  const [note, setNote] = useState('')
  const [review, setReview] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const needsReview = nc.controlId === '' && !nc.effectivenessCheck
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      await api(`/v1/nonconformities/${nc.id}/close`, { method: 'POST', body: { note: note.trim(), ...(needsReview && review.trim() ? { review: review.trim() } : {}) } })
      onDone('Closed.')
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
      setBusy(false)
    }
  }
  return (
    <form class="change-form" onSubmit={submit} aria-label="Close the nonconformity">
      <label for="nc-close-note">Note (why it can be closed)</label>
      <textarea id="nc-close-note" rows={2} required value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      {needsReview && (
        <>
          <label for="nc-close-review">Effectiveness review (no control: say how the action was shown to work)</label>
          <textarea id="nc-close-review" rows={2} value={review} onInput={(e) => setReview((e.target as HTMLTextAreaElement).value)} />
        </>
      )}
      {error && <p class="field-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>Close nonconformity</button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  )
}
