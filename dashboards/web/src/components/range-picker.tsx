// The time-range picker: presets or a custom period, written into the URL (so the view is a link).
import { useEffect, useState } from 'preact/hooks'
import { PRESETS, rangeParams, type TimeRange } from '../lib/range.js'
import { toLocalInput } from '../lib/format.js'
import { navigate, withQuery, type Location } from '../lib/router.js'

export function RangePicker({ location, range, onRefresh }: { location: Location; range: TimeRange; onRefresh?: () => void }) {
  const [custom, setCustom] = useState(range.kind === 'custom')
  const [from, setFrom] = useState(toLocalInput(range.from))
  const [to, setTo] = useState(toLocalInput(range.to))
  const [problem, setProblem] = useState<string>()
  useEffect(() => {
    setCustom(range.kind === 'custom')
    setFrom(toLocalInput(range.from))
    setTo(toLocalInput(range.to))
  }, [range.kind, range.from, range.to])

  const choose = (value: string) => {
    if (value === 'custom') {
      setCustom(true)
      return
    }
    setCustom(false)
    setProblem(undefined)
    navigate(withQuery(location, rangeParams({ kind: value as TimeRange['kind'], from: '', to: '' })))
  }
  const apply = (event: Event) => {
    event.preventDefault()
    const start = new Date(from).getTime()
    const end = new Date(to).getTime()
    if (!Number.isFinite(start) || !Number.isFinite(end)) return setProblem('Enter both a start and an end.')
    if (start >= end) return setProblem('The start must come before the end.')
    setProblem(undefined)
    navigate(withQuery(location, rangeParams({ kind: 'custom', from: new Date(start).toISOString(), to: new Date(end).toISOString() })))
  }

  return (
    <form class="range-picker" onSubmit={apply} aria-label="Time range">
      <label>
        Time range{' '}
        <select value={custom ? 'custom' : range.kind} onChange={(e) => choose((e.target as HTMLSelectElement).value)} data-testid="range-select">
          {PRESETS.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom && (
        <>
          <label>From <input type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} required /></label>
          <label>To <input type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} required /></label>
          <button type="submit">Apply</button>
        </>
      )}
      {onRefresh && <button type="button" class="secondary" onClick={onRefresh}>Refresh</button>}
      {problem && <span class="field-error" role="alert">{problem}</span>}
    </form>
  )
}
