// Statement-of-Applicability coverage: every framework reference of the pinned registry, the
// controls that serve it, their evaluations in the period, and whether it is covered, excluded
// (with the policy's justification) or not covered. Filters and period live in the URL.
import type { CoverageMatrix, CoverageRow, CoverageStatus, FrameworkCoverage } from '../api/governance-types.js'
import { query } from '../api/client.js'
import { useApi } from '../api/use-api.js'
import { RangePicker } from '../components/range-picker.js'
import { ErrorMessage, Loading } from '../components/states.js'
import { formatCount } from '../lib/format.js'
import { Link, navigate, withQuery, type Location } from '../lib/router.js'
import { useRange } from '../lib/use-range.js'

const STATUS_TEXT: Record<CoverageStatus, string> = { covered: 'Covered', excluded: 'Excluded', not_covered: 'Not covered' }
const FRAMEWORKS = [['', 'All frameworks'], ['iso42001', 'ISO/IEC 42001'], ['euAiAct', 'EU AI Act'], ['nistAiRmf', 'NIST AI RMF']] as const

export function CoveragePage({ location }: { location: Location }) {
  const [range, refresh] = useRange(location)
  const framework = location.query.get('framework') ?? ''
  const status = (location.query.get('status') ?? '') as CoverageStatus | ''
  const matrix = useApi<CoverageMatrix>(`/v1/coverage${query({ from: range.from, to: range.to, framework: framework || undefined })}`)
  const set = (name: string, value: string) => navigate(withQuery(location, { [name]: value }), { replace: true })
  return (
    <section data-ready={String(!matrix.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Coverage</h1>
        <RangePicker location={location} range={range} onRefresh={() => { refresh(); matrix.reload() }} />
      </div>
      <form class="filters" aria-label="Filter the coverage matrix" onSubmit={(e) => e.preventDefault()}>
        <label>Framework <select value={framework} onChange={(e) => set('framework', (e.target as HTMLSelectElement).value)} data-testid="filter-framework">
          {FRAMEWORKS.map(([id, label]) => <option key={id} value={id}>{label}</option>)}
        </select></label>
        <label>Status <select value={status} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)} data-testid="filter-coverage-status">
          <option value="">any</option>
          {(Object.keys(STATUS_TEXT) as CoverageStatus[]).map((s) => <option key={s} value={s}>{STATUS_TEXT[s]}</option>)}
        </select></label>
      </form>
      {matrix.error && <ErrorMessage error={matrix.error} what="the coverage matrix" onRetry={matrix.reload} />}
      {!matrix.data && matrix.loading && <Loading what="the coverage matrix" />}
      {matrix.data && (
        <>
          <p class="muted">
            {matrix.data.policy ? <>Controls and exclusions of policy <strong>{matrix.data.policy.name}</strong> version {String(matrix.data.policy.version)}</> : <>No policy is loaded: nothing is covered</>}
            ; evidence is the evaluations whose window ended in the period. A reference is covered when an active control cites it or a more specific part of it.
          </p>
          {matrix.data.frameworks.map((f) => <FrameworkTable key={f.framework} coverage={f} status={status} />)}
        </>
      )}
    </section>
  )
}

function FrameworkTable({ coverage, status }: { coverage: FrameworkCoverage; status: CoverageStatus | '' }) {
  const rows = coverage.rows.filter((row) => status === '' || row.status === status)
  const s = coverage.summary
  return (
    <section aria-labelledby={`coverage-${coverage.framework}`} data-testid={`coverage-${coverage.framework}`}>
      <h2 id={`coverage-${coverage.framework}`}>{coverage.label} <span class="title">({coverage.edition})</span></h2>
      <p class="counts" data-testid={`coverage-summary-${coverage.framework}`}>
        <span><strong>{s.covered}</strong> covered</span><span><strong>{s.excluded}</strong> excluded</span><span><strong>{s.notCovered}</strong> not covered</span><span>of {s.references} references</span>
      </p>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Reference</th><th scope="col">Status</th><th scope="col">Controls</th><th scope="col" class="num">Evaluations</th><th scope="col" class="num">Breaches</th><th scope="col">Title / justification</th></tr></thead>
          <tbody>{rows.map((row) => <Row key={row.reference} row={row} />)}</tbody>
        </table>
      </div>
    </section>
  )
}

function Row({ row }: { row: CoverageRow }) {
  return (
    <tr data-reference={row.reference} data-status={row.status}>
      <th scope="row"><code>{row.reference}</code></th>
      <td><span class={`coverage coverage-${row.status}`}>{STATUS_TEXT[row.status]}</span></td>
      <td>
        {row.controls.length === 0 ? '—' : row.controls.map((c, i) => (
          <span key={c.id}>{i > 0 && ', '}<Link href={`/controls/${encodeURIComponent(c.id)}`}>{c.id}</Link>{c.status !== 'active' && <span class="muted"> ({c.status})</span>}</span>
        ))}
      </td>
      <td class="num">{formatCount(row.evidence.total)}</td>
      <td class="num">{formatCount(row.evidence.breach)}</td>
      <td>{row.justification ? <><em>Excluded:</em> {row.justification}</> : <span class="muted">{row.title}</span>}</td>
    </tr>
  )
}
