// The two SQL forms of bin counts, measured on the same table in one run (docs/metrics.md,
// "## ClickHouse push-down"): why binCountsQuery uses the cumulative countIf form.
//   cumulative: one row, countIf(x >= e0), countIf(x >= e1), …, countIf(x > ek)   (binCountsQuery)
//   bin index:  (x >= e0) + (x >= e1) + … + (x > ek) AS bin, count() GROUP BY bin
// Both bind the edges bit-exactly; reps are interleaved so that load changes hit both alike.
import { binCountsQuery, float64Bits, quoteIdentifier } from '@aims-monitor/metrics'

export async function measureBinForms(client, scope, column, edges, reps = 7) {
  const cumulative = binCountsQuery({ scope, column, edges })
  // The bin-index form, with the same parameters (edge_i as UInt64 bits, window from the scope).
  const x = quoteIdentifier(column)
  const k = edges.length - 1
  const terms = edges.map((_, i) => `(${x} ${i === k ? '>' : '>='} reinterpretAsFloat64({edge_${i}:UInt64}))`).join(' + ')
  const where = cumulative.query.slice(cumulative.query.indexOf('\nFROM '))
  const binIndex = {
    query: `SELECT if(isNaN(${x}), toInt32(-1), toInt32(${terms})) AS bin, count() AS n${where}\nGROUP BY bin`,
    params: { ...cumulative.params, ...Object.fromEntries(edges.map((e, i) => [`edge_${i}`, float64Bits(e)])) },
  }
  const times = { cumulativeCountIf: [], binIndexGroupBy: [] }
  for (let r = 0; r < reps; r++) {
    for (const [name, q] of [['cumulativeCountIf', cumulative], ['binIndexGroupBy', binIndex]]) {
      const t = performance.now()
      await (await client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow' })).json()
      times[name].push((performance.now() - t) / 1000)
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1]
  return { edges: edges.length, reps, medianSeconds: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number(median(v).toFixed(4))])) }
}
