// A model: prediction volume and output labels over time, latency percentiles, the drift heat map
// (features × evaluation windows, click a cell for its evaluation), and reference-versus-current
// distribution of a chosen feature (`?feature=` in the URL).
import { useMemo } from 'preact/hooks'
import { query } from '../api/client.js'
import type { Distribution, Drift, Timeseries } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { distributionOption, driftHeatmapOption, latencyOption, volumeOption } from '../charts/options.js'
import { Chart } from '../components/chart.js'
import { ModelTabs } from '../components/model-tabs.js'
import { RangePicker } from '../components/range-picker.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { StatusBadge } from '../components/status-badge.js'
import { formatCount, formatSpan, formatTime, formatValue } from '../lib/format.js'
import { Link, navigate, withQuery, type Location } from '../lib/router.js'
import { useRange } from '../lib/use-range.js'

export function ModelPage({ location, model }: { location: Location; model: string }) {
  const [range, refresh] = useRange(location)
  const base = `/v1/dashboard/models/${encodeURIComponent(model)}`
  const ts = useApi<Timeseries>(`${base}/timeseries${query({ from: range.from, to: range.to, buckets: 48 })}`)
  const drift = useApi<Drift>(`${base}/drift${query({ from: range.from, to: range.to })}`)
  const reload = () => { refresh(); ts.reload(); drift.reload() }
  const settled = !ts.loading && !drift.loading
  return (
    <section data-ready={String(settled)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Model <code>{model}</code></h1>
        <RangePicker location={location} range={range} onRefresh={reload} />
      </div>
      <ModelTabs location={location} model={model} current="monitoring" />
      <section aria-labelledby="volume-heading">
        <h2 id="volume-heading">Volume and outputs</h2>
        {ts.error && <ErrorMessage error={ts.error} what="the time series" onRetry={ts.reload} />}
        {!ts.data && ts.loading && <Loading what="the time series" />}
        {ts.data && <Activity ts={ts.data} />}
      </section>
      <section aria-labelledby="drift-heading">
        <h2 id="drift-heading">Drift by feature</h2>
        {drift.error && <ErrorMessage error={drift.error} what="drift" onRetry={drift.reload} />}
        {!drift.data && drift.loading && <Loading what="drift" />}
        {drift.data && <DriftHeatmaps drift={drift.data} />}
      </section>
      <FeatureDistribution location={location} base={base} range={range} ts={ts.data} drift={drift.data} settled={settled} />
    </section>
  )
}

function Activity({ ts }: { ts: Timeseries }) {
  const total = ts.buckets.reduce((sum, b) => sum + b.predictions, 0)
  const volume = useMemo(() => volumeOption(ts), [ts])
  const latency = useMemo(() => latencyOption(ts), [ts])
  if (total === 0) return <Empty title="No predictions in this range.">Choose a longer range, or check that the model sends events.</Empty>
  const hasLatency = ts.buckets.some((b) => typeof b.latencyMs?.p50 === 'number')
  return (
    <>
      <p class="muted">{formatCount(total)} predictions; each bar is {formatSpan(ts.bucketMs)}.</p>
      <Chart id="volume-chart" option={volume} label={`Predictions per ${formatSpan(ts.bucketMs)} by output label, with errors`} />
      <h3>Latency percentiles</h3>
      {hasLatency
        ? <Chart id="latency-chart" option={latency} label="Latency p50, p95 and p99 per bucket, in milliseconds" height={240} />
        : <Empty title="No latency recorded.">The SDK records latency of wrapped calls; events sent without <code>latencyMs</code> have none.</Empty>}
    </>
  )
}

function DriftHeatmaps({ drift }: { drift: Drift }) {
  const controls = [...new Set(drift.cells.map((c) => c.controlId))].sort()
  if (controls.length === 0) {
    return <Empty title="No drift evaluations in this range.">Drift controls compare features with a reference data set; their evaluations appear here, one column per window.</Empty>
  }
  return (
    <>
      {controls.map((controlId) => <DriftHeatmap key={controlId} drift={drift} controlId={controlId} />)}
    </>
  )
}

function DriftHeatmap({ drift, controlId }: { drift: Drift; controlId: string }) {
  const option = useMemo(() => driftHeatmapOption(drift, controlId), [drift, controlId])
  const cells = drift.cells.filter((c) => c.controlId === controlId)
  const metric = cells[0]?.metric ?? ''
  const windows = [...new Set(cells.map((c) => c.windowTo))].sort()
  const features = drift.features.filter((f) => cells.some((c) => c.feature === f))
  const height = Math.max(160, 56 + features.length * 40 + 48)
  return (
    <figure class="heatmap" data-testid="drift-heatmap" data-control={controlId}>
      <figcaption><Link href={`/controls/${encodeURIComponent(controlId)}`}>{controlId}</Link> · {metric}: select a cell for its evaluation</figcaption>
      <Chart
        option={option} height={height}
        label={`Drift heat map of ${controlId} (${metric}): ${features.length} features by ${windows.length} windows, coloured by outcome`}
        onClick={(event) => {
          const id = (event.data as { evaluationId?: string } | undefined)?.evaluationId
          if (id) navigate(`/evaluations/${id}`)
        }}
      />
      <details>
        <summary>Table of {controlId}</summary>
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Feature</th>{windows.map((w) => <th scope="col" key={w}>{formatTime(w)}</th>)}</tr></thead>
            <tbody>
              {features.map((f) => (
                <tr key={f}>
                  <th scope="row">{f}</th>
                  {windows.map((w) => {
                    const cell = cells.find((c) => c.feature === f && c.windowTo === w)
                    return <td key={w}>{cell ? <Link href={`/evaluations/${cell.evaluationId}`}>{formatValue(cell.value)} <StatusBadge outcome={cell.outcome} /></Link> : '—'}</td>
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  )
}

function FeatureDistribution({ location, base, range, ts, drift, settled }: { location: Location; base: string; range: { from: string; to: string }; ts?: Timeseries; drift?: Drift; settled: boolean }) {
  const features = [...new Set([...(drift?.features ?? []), ...(ts?.features.map((f) => f.name) ?? [])])]
  const chosen = location.query.get('feature') ?? features[0]
  const reference = location.query.get('reference') ?? undefined
  const dist = useApi<Distribution>(chosen ? `${base}/distribution${query({ feature: chosen, from: range.from, to: range.to, reference })}` : null)
  const option = useMemo(() => (dist.data ? distributionOption(dist.data) : undefined), [dist.data])
  return (
    <section aria-labelledby="distribution-heading" data-ready={String(settled && !dist.loading)}>
      <h2 id="distribution-heading">Reference versus current distribution</h2>
      {features.length === 0 ? (
        (ts || drift) && <Empty title="No features recorded for this model.">Predictions carry features as <code>features: {'{…}'}</code>.</Empty>
      ) : (
        <label class="inline">
          Feature{' '}
          <select value={chosen} onChange={(e) => navigate(withQuery(location, { feature: (e.target as HTMLSelectElement).value }), { replace: true })} data-testid="feature-select">
            {features.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </label>
      )}
      {dist.error && <ErrorMessage error={dist.error} what={`the distribution of ${chosen}`} onRetry={dist.reload} />}
      {!dist.data && dist.loading && <Loading what="the distribution" />}
      {dist.data && option && (
        dist.data.bins.length === 0 ? <Empty title={`No values of ${chosen} in this range.`} /> : (
          <>
            <p class="muted">
              {dist.data.reference ? <>Reference data set <code>{dist.data.reference.id}</code> ({formatCount(dist.data.reference.rows)} rows) against the current range.</> : 'No reference data set for this model: the current range only.'}
              {' '}{dist.data.kind === 'num' ? 'Bins at the reference deciles.' : 'Most frequent categories.'}
              {dist.data.current?.approximate && (
                <>{' '}<span data-testid="distribution-approximate">Current shares are approximate near the bin edges: each within ±{(dist.data.current.maxError * 100).toPrecision(2)} percentage points (read from hourly histograms).</span></>
              )}
            </p>
            <Chart id="distribution-chart" option={option} label={`Distribution of ${chosen}: reference versus current, share of values per bin`} />
            <details>
              <summary>Table of {chosen}</summary>
              <table>
                <thead><tr><th scope="col">Bin</th><th scope="col" class="num">Reference</th><th scope="col" class="num">Current</th></tr></thead>
                <tbody>{dist.data.bins.map((b) => <tr key={b.label}><th scope="row">{b.label}</th><td class="num">{pct(b.reference)}</td><td class="num">{pct(b.current)}</td></tr>)}</tbody>
              </table>
            </details>
          </>
        )
      )}
    </section>
  )
}

const pct = (v: number | null) => (typeof v === 'number' ? `${(v * 100).toFixed(1)} %` : '—')
