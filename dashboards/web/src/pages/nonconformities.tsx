// Nonconformities (ISO/IEC 42001 clause 10.2) with their ageing: how old, when due, overdue. Filter by
// status in the URL (default: everything not closed); an admin can open one by hand.
import { useState } from 'preact/hooks'
import { ApiError, api, query } from '../api/client.js'
import type { AgedNonconformity, Nonconformity } from '../api/governance-types.js'
import type { Session } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { formatTime } from '../lib/format.js'
import { Link, navigate, withQuery, type Location } from '../lib/router.js'

const FILTERS: { id: string; label: string }[] = [
  { id: 'unclosed', label: 'not closed' }, { id: 'open', label: 'open' }, { id: 'action_taken', label: 'action taken' },
  { id: 'closed', label: 'closed' }, { id: 'overdue', label: 'overdue' }, { id: 'any', label: 'any' },
]

export function NonconformitiesPage({ location, session }: { location: Location; session: Session }) {
  const filter = location.query.get('status') ?? 'unclosed'
  const apiStatus = ['open', 'action_taken', 'closed'].includes(filter) ? filter : undefined
  const list = useApi<{ nonconformities: AgedNonconformity[] }>(`/v1/nonconformities${query({ status: apiStatus })}`)
  const [opening, setOpening] = useState(false)
  const [status, setStatus] = useState<string>()
  const canChange = session.scopes.includes('admin')
  const shown = (list.data?.nonconformities ?? []).filter((nc) => filter === 'unclosed' ? nc.status !== 'closed' : filter === 'overdue' ? nc.ageing.overdue : true)
  return (
    <section data-ready={String(!list.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Nonconformities</h1>
        {canChange && !opening && <button type="button" onClick={() => setOpening(true)}>Open a nonconformity</button>}
      </div>
      <form class="filters" aria-label="Filter nonconformities" onSubmit={(e) => e.preventDefault()}>
        <label>Status <select value={filter} onChange={(e) => navigate(withQuery(location, { status: (e.target as HTMLSelectElement).value }), { replace: true })} data-testid="filter-nc-status">
          {FILTERS.map((f) => <option key={f.id} value={f.id}>{f.label}</option>)}
        </select></label>
      </form>
      <p role="status" aria-live="polite" class="status-line" data-testid="nc-status">{status ?? ''}</p>
      {opening && <OpenForm onCancel={() => setOpening(false)} onDone={(record) => { setOpening(false); setStatus(`Opened nonconformity ${record.id.slice(0, 8)}.`); list.reload() }} />}
      {list.error && <ErrorMessage error={list.error} what="nonconformities" onRetry={list.reload} />}
      {!list.data && list.loading && <Loading what="nonconformities" />}
      {list.data && shown.length === 0 && <Empty title="No nonconformities match.">Breaches of controls that say so open one; an admin can open one by hand for an audit finding or a complaint.</Empty>}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table data-testid="nc-table">
            <thead><tr><th scope="col">Id</th><th scope="col">Status</th><th scope="col">Control</th><th scope="col">Owner</th><th scope="col">Opened</th><th scope="col" class="num">Age</th><th scope="col">Due</th><th scope="col">Description</th></tr></thead>
            <tbody>
              {shown.map((nc) => (
                <tr key={nc.id} data-nc={nc.id} data-overdue={String(nc.ageing.overdue)}>
                  <td><Link href={`/nonconformities/${nc.id}`}><code>{nc.id.slice(0, 8)}</code></Link></td>
                  <td>{nc.status.replace('_', ' ')}</td>
                  <td>{nc.controlId ? <Link href={`/controls/${encodeURIComponent(nc.controlId)}`}>{nc.controlId}</Link> : <span class="muted">opened by hand</span>}</td>
                  <td>{nc.owner}</td>
                  <td>{formatTime(nc.openedAt)}</td>
                  <td class="num">{nc.ageing.ageDays} d</td>
                  <td><DueDate nc={nc} /></td>
                  <td>{nc.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

/** The due date with what it means now: days left, overdue (in words and colour), or closed late. */
export function DueDate({ nc }: { nc: AgedNonconformity }) {
  const date = nc.dueDate.slice(0, 10)
  if (nc.status === 'closed') return <span>{date}{nc.ageing.closedLate && <span class="overdue"> closed late</span>}</span>
  if (nc.ageing.overdue) return <span class="overdue" data-testid="overdue">{date} · overdue {-(nc.ageing.dueInDays ?? 0)} d</span>
  return <span>{date} <span class="muted">· {nc.ageing.dueInDays} d left</span></span>
}

function OpenForm({ onCancel, onDone }: { onCancel: () => void; onDone: (record: Nonconformity) => void }) {
  const [fields, setFields] = useState({ description: '', owner: '', controlId: '', dueDate: '' })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const set = (name: keyof typeof fields) => (e: Event) => setFields({ ...fields, [name]: (e.target as HTMLInputElement).value })
  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const body = { description: fields.description.trim(), owner: fields.owner.trim(), ...(fields.controlId.trim() ? { controlId: fields.controlId.trim() } : {}), ...(fields.dueDate ? { dueDate: fields.dueDate } : {}) }
      onDone((await api<{ nonconformity: Nonconformity }>('/v1/nonconformities', { method: 'POST', body })).nonconformity)
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e))
      setBusy(false)
    }
  }
  return (
    <form class="change-form" onSubmit={submit} aria-label="Open a nonconformity">
      <label for="nc-description">Description (what does not conform)</label>
      <textarea id="nc-description" rows={2} required value={fields.description} onInput={set('description')} />
      <label for="nc-owner">Owner of the corrective action</label>
      <input id="nc-owner" required value={fields.owner} onInput={set('owner')} />
      <label for="nc-control">Control it concerns (optional)</label>
      <input id="nc-control" value={fields.controlId} onInput={set('controlId')} />
      <label for="nc-due">Due date (optional; 30 days by default)</label>
      <input id="nc-due" type="date" value={fields.dueDate} onInput={set('dueDate')} />
      {error && <p class="field-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" disabled={busy}>Open nonconformity</button>
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  )
}
