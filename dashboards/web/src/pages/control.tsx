// One control: what governance declared, its value over time against its thresholds, and its
// evaluation history (newest first, paged with `before`).
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiError, api, query } from '../api/client.js'
import type { ControlsResponse, Evaluation, EvaluationsResponse } from '../api/types.js'
import { useApi } from '../api/use-api.js'
import { thresholdTrendOption } from '../charts/options.js'
import { Chart } from '../components/chart.js'
import { ControlDetails } from '../components/control-details.js'
import { Empty, ErrorMessage, Loading } from '../components/states.js'
import { SeverityTag, StatusBadge } from '../components/status-badge.js'
import { formatCount, formatTime, formatValue, formatWindow } from '../lib/format.js'
import { Link, navigate, type Location } from '../lib/router.js'

const PAGE = 50

export function ControlPage({ controlId }: { location: Location; controlId: string }) {
  const controls = useApi<ControlsResponse>('/v1/controls')
  const first = useApi<EvaluationsResponse>(`/v1/evaluations${query({ control: controlId, limit: PAGE })}`)
  const [older, setOlder] = useState<Evaluation[]>([])
  const [next, setNext] = useState<number | null>(null)
  const [pageError, setPageError] = useState<ApiError>()
  useEffect(() => {
    setOlder([])
    setNext(first.data?.next?.before ?? null)
  }, [first.data])
  const loadOlder = async () => {
    if (next === null) return
    try {
      const page = await api<EvaluationsResponse>(`/v1/evaluations${query({ control: controlId, limit: PAGE, before: next })}`)
      setOlder((o) => [...o, ...page.evaluations])
      setNext(page.next?.before ?? null)
    } catch (error) {
      setPageError(error as ApiError)
    }
  }
  const control = controls.data?.controls.find((c) => c.id === controlId)
  const history = [...(first.data?.evaluations ?? []), ...older]
  const trend = useMemo(() => {
    const thresholds = control ? { warn: control.thresholds.warn ?? null, breach: control.thresholds.breach } : history[0] ? { warn: history[0].thresholds.warn, breach: history[0].thresholds.breach } : undefined
    if (!thresholds || history.length === 0) return undefined
    return thresholdTrendOption(history[0]!.metric.name, history.map((e) => ({ t: e.window.to, value: e.value, outcome: e.outcome, evaluationId: e.id })), thresholds)
  }, [history.length, first.data, control])

  return (
    <section data-ready={String(!controls.loading && !first.loading)}>
      <div class="page-head">
        <h1 tabIndex={-1}>Control <code>{controlId}</code>{control && <span class="title"> {control.title}</span>}</h1>
      </div>
      {controls.error && <ErrorMessage error={controls.error} what="the control" onRetry={controls.reload} />}
      {!controls.data && controls.loading && <Loading what="the control" />}
      {controls.data && !control && <Empty title={`The loaded policy has no control ${controlId} in this project.`}>Its past evaluations, if any, are listed below.</Empty>}
      {control && (
        <>
          <p class="meta">
            <StatusBadge outcome={control.latest?.outcome} /> <SeverityTag severity={control.severity} /> version {control.version} · {control.status}
            {control.latest && <> · {control.latest.reason}</>}
          </p>
          <ControlDetails control={control} direction={history[0]?.thresholds.direction} />
        </>
      )}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {first.error && <ErrorMessage error={first.error} what="the evaluation history" onRetry={first.reload} />}
        {!first.data && first.loading && <Loading what="the evaluation history" />}
        {first.data && history.length === 0 && <Empty title="Never evaluated yet.">The scheduler evaluates each control on its schedule; <code>aims evaluate</code> runs it now.</Empty>}
        {trend && (
          <Chart option={trend} height={240} label={`Value of ${controlId} per window against its thresholds`} onClick={(event) => {
            const id = (event.data as { evaluationId?: string } | undefined)?.evaluationId
            if (id) navigate(`/evaluations/${id}`)
          }} />
        )}
        {history.length > 0 && (
          <div class="table-wrap">
            <table data-testid="history-table">
              <thead><tr><th scope="col">Seq</th><th scope="col">Window</th><th scope="col">Outcome</th><th scope="col" class="num">Value</th><th scope="col" class="num">Samples</th><th scope="col">Evaluated</th><th scope="col">Record</th></tr></thead>
              <tbody>
                {history.map((e) => (
                  <tr key={e.id}>
                    <td>{e.seq}</td><td>{formatWindow(e.window)}</td><td><StatusBadge outcome={e.outcome} /></td>
                    <td class="num">{formatValue(e.value)}</td><td class="num">{formatCount(e.samples.current)}</td>
                    <td>{formatTime(e.evaluatedAt)}</td>
                    <td><Link href={`/evaluations/${e.id}`} aria-label={`Evaluation ${e.seq} of ${controlId}`}>open</Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {pageError && <ErrorMessage error={pageError} what="older evaluations" />}
        {next !== null && <button type="button" onClick={loadOlder}>Older evaluations</button>}
      </section>
    </section>
  )
}
