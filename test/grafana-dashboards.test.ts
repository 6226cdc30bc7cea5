// The Grafana dashboards in dashboards/grafana/ (for the official ClickHouse data source plugin,
// grafana-clickhouse-datasource): every JSON parses and has the structure Grafana imports; then every
// variable query and every panel query is run, with the plugin's macros and Grafana's variables
// expanded as they would be (test/support/grafana-sql.ts), against the store of a real collector
// that holds two days of predictions of one model, outcomes, and the evaluations, alerts,
// deliveries and nonconformities of a small policy evaluated over them.
import { createServer, type Server } from 'node:http'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { predictionsTableName } from '@aims-monitor/store'
import { startCollectorFixture, type CollectorFixture } from './support/collector-fixture.js'
import { GrafanaSqlError, grafanaSql, type GrafanaQueryContext, type VariableState } from './support/grafana-sql.js'

const DIR = fileURLToPath(new URL('../dashboards/grafana/', import.meta.url))
const PLUGIN = 'grafana-clickhouse-datasource'
const DAY = 86_400_000
const MIDNIGHT = Math.floor(Date.now() / DAY) * DAY
const REFERENCE_DAY = MIDNIGHT - 2 * DAY
const CURRENT_DAY = MIDNIGHT - DAY
const PER_DAY = 400
const SECRET = 'grafana-dashboards-webhook-secret-0123'

interface Target { refId: string; datasource: { type: string; uid: string }; editorType: string; format: number; queryType: string; rawSql: string }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource: { type: string; uid: string }; targets: Target[] }
interface Variable { name: string; type: string; query: unknown; current?: { value?: string | string[] }; multi?: boolean; includeAll?: boolean; hide?: number }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: Variable[] }; time: { from: string; to: string } }

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
const dashboards = files.map((file) => ({ file, dashboard: JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Dashboard }))

let c: CollectorFixture
let receiver: Server
const generated = events()
const received: string[] = []

function policy(port: number): string {
  const common = `    status: active
    approval: { by: Model risk committee, at: 2025-01-10, reference: MRC-2025-01 }
    owner: { accountable: Head of credit risk, responsible: ML platform team }
    scope: { model: credit-risk }
    schedule: { every: 1d }`
  return `apiVersion: aims-monitor/v1
kind: ControlPolicy
metadata: { name: grafana-dashboards-test, version: 1 }
notifiers:
  governance: { type: webhook, url: 'http://127.0.0.1:${port}/hook', secretEnv: AIMS_TEST_GRAFANA_WEBHOOK_SECRET }
  retired-endpoint: { type: webhook, url: 'http://127.0.0.1:${port}/gone', secretEnv: AIMS_TEST_GRAFANA_WEBHOOK_SECRET }
controls:
  - id: DRIFT-PSI
    version: 1
    title: Input drift of applicant features (PSI)
${common}
    references: { iso42001: ['9.1', A.6.2.6] }
    metric: { kind: drift, name: psi }
    selector: { features: [age, income, region] }
    window: { current: { type: tumbling, size: 1d }, reference: { window: { offset: 0, size: 1d } } }
    thresholds: { warn: 0.1, breach: 0.25, rationale: Industry PSI bands - above 0.25 is a significant population shift. }
    guard: { minSample: 100 }
    severity: medium
    response: { notify: { breach: [governance] } }
  - id: FAIR-SEX
    version: 1
    title: Approval-rate impact ratio across sex (four-fifths rule)
${common}
    references: { iso42001: [A.5.4, '9.1'], euAiAct: [Art. 10(2)(f)] }
    metric: { kind: fairness, name: four_fifths, params: { positiveLabel: approve } }
    selector: { attribute: sex }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { warn: 0.9, breach: 0.8, rationale: Four-fifths rule of 29 CFR 1607.4(D) on selection rates. }
    guard: { minSample: 100, minPerGroup: 30 }
    severity: high
    response: { notify: { breach: [governance, retired-endpoint] } }
  - id: OPS-ERRORS
    version: 1
    title: Failed scoring calls
${common}
    references: { iso42001: [A.6.2.6] }
    metric: { kind: operational, name: error_rate }
    window: { current: { type: tumbling, size: 1d } }
    thresholds: { warn: 0.01, breach: 0.02, rationale: The scoring service error budget is one percent of calls. }
    guard: { minSample: 100 }
    severity: critical
    response: { notify: { breach: [governance] }, nonconformity: false }
`
}

/** Deterministic pseudo-random numbers (mulberry32), so the data and its outcomes never vary. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Two days of credit-risk predictions. The reference day approves both sexes alike and has no
 * errors; the current day is older applicants, another region mix, approves men twice as often
 * as women (impact ratio 0.5), fails 4 % of calls, and has a tiny third group (excluded).
 */
function events(): unknown[] {
  const rand = random(42)
  const out: unknown[] = []
  for (const [day, current] of [[REFERENCE_DAY, false], [CURRENT_DAY, true]] as const) {
    for (let i = 0; i < PER_DAY; i++) {
      const id = `${current ? 'cur' : 'ref'}-${i}`
      const sex = i % 2 === 0 ? 'female' : 'male'
      const approve = current ? (sex === 'male' ? i % 10 < 6 : i % 10 < 3) : Math.floor(i / 2) % 2 === 0
      const failed = current && i % 25 === 0
      out.push({
        type: 'prediction', id, timestamp: day + Math.floor((i * DAY) / PER_DAY), model: { id: 'credit-risk', version: current ? '1.1.0' : '1.0.0' },
        features: {
          age: Math.round((current ? 55 : 38) + (rand() - 0.5) * 20),
          income: Math.round(20_000 + rand() * 60_000),
          region: current ? (['north', 'north', 'north', 'south'] as const)[i % 4] : (['north', 'south', 'east', 'west'] as const)[i % 4],
        },
        attributes: { sex },
        ...(failed ? { error: { type: 'Timeout', message: 'scoring backend timed out' } } : { output: { label: approve ? 'approve' : 'deny', score: approve ? 0.5 + rand() / 2 : rand() / 2 } }),
        latencyMs: 5 + rand() * 20,
      })
      if (current && i % 2 === 0) out.push({ type: 'outcome', predictionId: id, timestamp: day + DAY - 1000, model: { id: 'credit-risk' }, label: rand() < 0.8 ? 'repaid' : 'default' })
    }
  }
  for (let i = 0; i < 10; i++) {
    out.push({ type: 'prediction', id: `cur-other-${i}`, timestamp: CURRENT_DAY + 3_600_000 + i, model: { id: 'credit-risk', version: '1.1.0' }, features: { age: 50, income: 40_000, region: 'east' }, attributes: { sex: 'other' }, output: { label: 'approve', score: 0.7 }, latencyMs: 9 })
  }
  return out
}

/** Four-fifths ratio of the current day as the fairness runner defines it: approvals over all predictions (failed calls select nobody), female vs male. */
function currentImpactRatio(): number {
  const rate = (sex: string) => {
    const group = (generated as Array<{ type: string; timestamp: number; attributes?: { sex: string }; output?: { label: string } }>)
      .filter((e) => e.type === 'prediction' && e.timestamp >= CURRENT_DAY && e.attributes?.sex === sex)
    return group.filter((e) => e.output?.label === 'approve').length / group.length
  }
  const [female, male] = [rate('female'), rate('male')]
  return Math.min(female, male) / Math.max(female, male)
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push(req.url ?? '')
      // /gone answers 410: a delivery failure that is not retried, recorded at once.
      res.writeHead(req.url === '/hook' ? 200 : 410).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  process.env.AIMS_TEST_GRAFANA_WEBHOOK_SECRET = SECRET
  const dir = await mkdtemp(path.join(tmpdir(), 'aims-grafana-policy-'))
  const policyFile = path.join(dir, 'policy.yaml')
  await writeFile(policyFile, policy((receiver.address() as { port: number }).port))
  c = await startCollectorFixture({ policyFile })

  const sent = await c.post('/v1/events', { events: generated })
  expect(sent.status, sent.text).toBe(200)
  const models = await c.getModels()
  expect(models.models).toEqual([expect.objectContaining({ id: 'credit-risk', predictionCount: 2 * PER_DAY + 10 })])

  // The reference day's window (passes, or insufficient for drift: no day before it), then the current day's (breaches).
  for (const at of [CURRENT_DAY, MIDNIGHT]) {
    const res = await c.post('/v1/controls/evaluate', { at })
    expect(res.status, res.text).toBe(200)
  }
  await c.collector.evaluator!.drainNotifications()
  const open = (await c.get('/v1/alerts?state=open')).json.alerts as Array<{ id: string; controlId: string }>
  expect(open.map((a) => a.controlId).sort()).toEqual(['DRIFT-PSI', 'FAIR-SEX', 'OPS-ERRORS'])
  const ack = await c.post(`/v1/alerts/${open.find((a) => a.controlId === 'DRIFT-PSI')!.id}/acknowledge`, { by: 'dana', note: 'older applicants after the marketing campaign' })
  expect(ack.status, ack.text).toBe(200)
  const resolved = await c.post(`/v1/alerts/${open.find((a) => a.controlId === 'OPS-ERRORS')!.id}/resolve`, { by: 'lee', note: 'scoring backend scaled up' })
  expect(resolved.status, resolved.text).toBe(200)
}, 240_000)

afterAll(async () => {
  await c?.close()
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()))
})

describe('the expansion Grafana and the ClickHouse plugin apply', () => {
  const at = { from: Date.parse('2025-11-25T00:00:00Z'), to: Date.parse('2025-11-26T00:00:00Z'), intervalMs: 1_800_000 }
  const variables: Record<string, VariableState> = {
    database: { selected: ['aims'], options: ['aims'] },
    model: { selected: ["o'brien"], options: ["o'brien", 'credit-risk'] },
    control: { selected: 'all', options: ['A', 'B'] },
    kind: { selected: ['drift', 'fairness'], options: ['drift', 'fairness', 'performance'] },
  }

  it('expands the time macros as the plugin\'s Go code does', () => {
    expect(grafanaSql('SELECT $__timeInterval(ts) AS time FROM ${database}.t WHERE $__timeFilter(ts) AND x < $__toTime AND y >= $__fromTime_ms', { ...at, variables }))
      .toBe('SELECT toStartOfInterval(toDateTime(ts), INTERVAL 1800 second) AS time FROM aims.t WHERE ts >= toDateTime(1764028800) AND ts <= toDateTime(1764115200) AND x < toDateTime(1764115200) AND y >= fromUnixTimestamp64Milli(1764028800000)')
    expect(grafanaSql('SELECT $__interval_s, $__timeFilter_ms(d.started_at)', { ...at, variables }))
      .toBe('SELECT 1800, d.started_at >= fromUnixTimestamp64Milli(1764028800000) AND d.started_at <= fromUnixTimestamp64Milli(1764115200000)')
  })

  it('drops $__conditionalAll for All, keeps its condition otherwise, and quotes values like Grafana', () => {
    expect(grafanaSql('WHERE $__conditionalAll(control_id IN (${control:singlequote}), $control) AND $__conditionalAll(kind IN (${kind:singlequote}), $kind)', { ...at, variables }))
      .toBe("WHERE 1=1 AND kind IN ('drift','fairness')")
    expect(grafanaSql('WHERE model_id = ${model:singlequote} OR model_id = ${model:sqlstring} OR c IN (${control:singlequote})', { ...at, variables }))
      .toBe("WHERE model_id = 'o\\'brien' OR model_id = 'o''brien' OR c IN ('A','B')")
  })

  it('refuses what it would not expand, and macro arguments the plugin would cut at the first )', () => {
    expect(() => grafanaSql('SELECT 1 FROM $unknown', { ...at, variables })).toThrow(GrafanaSqlError)
    expect(() => grafanaSql('WHERE $__timeFilter(toDateTime(ts))', { ...at, variables })).toThrow(/plain columns/)
    expect(grafanaSql("SELECT '$notavariable'", { ...at, variables })).toBe("SELECT '$notavariable'")
  })
})

describe('Grafana dashboard JSON', () => {
  it('has the five dashboards', () => {
    expect(files).toEqual(['aims-alerts.json', 'aims-control-outcomes.json', 'aims-drift.json', 'aims-fairness.json', 'aims-model-operations.json'])
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(files.length)
  })

  it.each(dashboards)('$file: uid, title, schema version, panels on the ClickHouse plugin with SQL targets', ({ dashboard }) => {
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/) // Grafana's uid rule
    expect(dashboard.title).toMatch(/^AIMS · /)
    expect(dashboard.schemaVersion).toBe(41)
    expect(dashboard.panels.length).toBeGreaterThan(0)
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length)
    for (const panel of dashboard.panels) {
      expect(['stat', 'timeseries', 'table', 'heatmap', 'status-history', 'piechart'], panel.title).toContain(panel.type)
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24)
      expect(panel.datasource, panel.title).toEqual({ type: PLUGIN, uid: '${datasource}' })
      expect(panel.targets.length, panel.title).toBeGreaterThan(0)
      for (const target of panel.targets) {
        expect(target.datasource.type, panel.title).toBe(PLUGIN)
        expect(target.editorType, panel.title).toBe('sql')
        expect(typeof target.rawSql, panel.title).toBe('string')
        expect(target.rawSql.length, panel.title).toBeGreaterThan(0)
        // The plugin's formats: 0 time series, 1 table.
        expect([0, 1], panel.title).toContain(target.format)
        expect(target.queryType, panel.title).toBe(target.format === 0 ? 'timeseries' : 'table')
      }
    }
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]))
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: PLUGIN })
    expect(variables.database).toMatchObject({ type: 'textbox', query: 'aims', current: { value: 'aims' } })
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      expect(v.query, v.name).toMatchObject({ editorType: 'sql', rawSql: expect.any(String) })
    }
  })

  it('resolves the model to its predictions table through the models registry', () => {
    const operations = dashboards.find((d) => d.dashboard.uid === 'aims-model-operations')!.dashboard
    const table = operations.templating.list.find((v) => v.name === 'predictions_table')!
    expect(table).toMatchObject({ type: 'query', hide: 2 })
    for (const panel of operations.panels) expect(panel.targets[0]!.rawSql, panel.title).toContain('${database}.${predictions_table}')
  })
})

type Scenario = 'defaults' | 'first values'

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  // 64-bit integers as JSON numbers, whichever engine answers (a server quotes them by default).
  const result = await c.collector.store.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })
  return result.json<Record<string, unknown>>()
}

function context(variables: Record<string, VariableState>): GrafanaQueryContext {
  const from = MIDNIGHT - 3 * DAY
  const to = Date.now() + 60_000
  // Grafana's interval: the range over the panel's max data points (about its width in pixels), rounded.
  return { from, to, intervalMs: Math.max(1000, Math.round((to - from) / 500 / 1000) * 1000), variables }
}

/**
 * Resolves the variables in order, as Grafana does when it loads a dashboard: each query variable's
 * SQL runs with the variables before it; the value is the saved current one when it is among the
 * options (All stays All), else the first option. 'first values' selects the first option of every
 * multi-value variable instead of All.
 */
async function resolveVariables(dashboard: Dashboard, scenario: Scenario): Promise<Record<string, VariableState>> {
  const variables: Record<string, VariableState> = {}
  for (const v of dashboard.templating.list) {
    if (v.type === 'datasource') continue // only in datasource uids, never in SQL
    let options: string[]
    if (v.type === 'textbox') options = [c.collector.store.config.database]
    else if (v.type === 'custom') options = String(v.query).split(',').map((o) => o.trim())
    else {
      const sql = grafanaSql((v.query as { rawSql: string }).rawSql, context(variables))
      const result = await rows(sql)
      for (const row of result) expect(Object.keys(row), `variable ${v.name} returns one column (value = text)`).toHaveLength(1)
      options = result.map((row) => String(Object.values(row)[0]))
    }
    expect(options.length, `variable ${v.name} of ${dashboard.uid} has options`).toBeGreaterThan(0)
    const current = v.current?.value
    const savedAll = Array.isArray(current) ? current.includes('$__all') : current === '$__all'
    if (v.includeAll && savedAll && scenario === 'defaults') variables[v.name] = { selected: 'all', options }
    else if (typeof current === 'string' && options.includes(current)) variables[v.name] = { selected: [current], options }
    else variables[v.name] = { selected: [options[0]!], options }
  }
  return variables
}

describe.each(['defaults', 'first values'] as const)('every panel query on the store (%s)', (scenario) => {
  it.each(dashboards)('$file', async ({ dashboard }) => {
    const variables = await resolveVariables(dashboard, scenario)
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const sql = grafanaSql(target.rawSql, context(variables))
        let result: Record<string, unknown>[]
        try {
          result = await rows(sql)
        } catch (error) {
          throw new Error(`${dashboard.uid} / ${panel.title}: ${(error as Error).message}\n${sql}`)
        }
        // With every filter at its default the store holds data for every panel.
        if (scenario === 'defaults') expect(result.length, `${dashboard.uid} / ${panel.title} returns rows`).toBeGreaterThan(0)
        // Time series: the plugin takes the time from the first column.
        if (target.format === 0 && result.length > 0) expect(Object.keys(result[0]!)[0], `${panel.title}`).toBe('time')
      }
    }
  })
})

describe('what the key panels show', () => {
  async function panelRows(uid: string, title: string, overrides: Record<string, string[]> = {}) {
    const dashboard = dashboards.find((d) => d.dashboard.uid === uid)!.dashboard
    const variables = await resolveVariables(dashboard, 'defaults')
    for (const [name, selected] of Object.entries(overrides)) variables[name] = { ...variables[name]!, selected }
    const panel = dashboard.panels.find((p) => p.title === title)
    expect(panel, `${uid} has a panel ${title}`).toBeDefined()
    return rows(grafanaSql(panel!.targets[0]!.rawSql, context(variables)))
  }

  it('operations: the hidden variable names the model\'s predictions table; volume, errors and labels', async () => {
    const dashboard = dashboards.find((d) => d.dashboard.uid === 'aims-model-operations')!.dashboard
    const variables = await resolveVariables(dashboard, 'defaults')
    expect(variables.model!.selected).toEqual(['credit-risk'])
    expect(variables.predictions_table!.selected).toEqual([predictionsTableName('default', 'credit-risk')])
    expect(variables.version!.options).toEqual(['1.0.0', '1.1.0'])
    expect(await panelRows('aims-model-operations', 'Predictions')).toEqual([{ predictions: 2 * PER_DAY + 10 }])
    const [errorRate] = await panelRows('aims-model-operations', 'Error rate', { version: ['1.1.0'] })
    expect(Number(errorRate!.error_rate)).toBeCloseTo(16 / (PER_DAY + 10), 9)
    const labels = await panelRows('aims-model-operations', 'Output label share')
    expect(labels.map((r) => r.label).sort()).toEqual(['(no label)', 'approve', 'deny'])
    const latency = await panelRows('aims-model-operations', 'Latency percentiles')
    expect(latency.every((r) => Number(r.p50) >= 5 && Number(r.p99) <= 25)).toBe(true)
    expect(await panelRows('aims-model-operations', 'Errors by type')).toEqual([expect.objectContaining({ error_type: 'Timeout', errors: 16 })])
  })

  it('drift: the heat map has the drifted feature of the current window above the breach line', async () => {
    const cells = await panelRows('aims-drift', 'Drift per feature over time')
    const age = cells.filter((r) => r.feature === 'age · psi (DRIFT-PSI)' && r.value !== null)
    expect(age).toHaveLength(1)
    expect(Number(age[0]!.value)).toBeGreaterThan(0.25)
    const latest = await panelRows('aims-drift', 'Latest result per feature')
    expect(latest.find((r) => r.feature === 'age')).toMatchObject({ outcome: 'breach', reference: 'window' })
  })

  it('fairness: the impact ratio of the current window against its thresholds, with groups and the excluded one', async () => {
    const series = await panelRows('aims-fairness', 'Disparity vs thresholds')
    const values = series.map((r) => r.value === null ? null : Number(r.value))
    expect(values).toHaveLength(2)
    expect(values[0]).toBeCloseTo(1, 9) // reference day: equal approval rates
    expect(values[1]).toBeCloseTo(currentImpactRatio(), 12) // current day: women approved far less often
    expect(values[1]).toBeLessThan(0.8)
    expect(series.every((r) => Number(r.breach) === 0.8 && Number(r.warn) === 0.9)).toBe(true)
    const groups = await panelRows('aims-fairness', 'Groups in the latest evaluation')
    expect(groups.map((g) => g.group_name)).toEqual(expect.arrayContaining(['female', 'male']))
    expect(await panelRows('aims-fairness', 'Excluded groups')).toEqual([expect.objectContaining({ group_name: 'other', size: 10, reason: expect.stringMatching(/minGroupSize 30/) })])
  })

  it('control outcomes: every control breached in its latest evaluation', async () => {
    expect(await panelRows('aims-control-outcomes', 'Controls by latest outcome')).toEqual([{ breach: 3, warn: 0, insufficient_data: 0, error: 0, pass: 0 }])
    const board = await panelRows('aims-control-outcomes', 'Control status board')
    expect(board.map((r) => [r.control_id, r.outcome])).toEqual([['DRIFT-PSI', 'breach'], ['FAIR-SEX', 'breach'], ['OPS-ERRORS', 'breach']])
    expect(board.find((r) => r.control_id === 'FAIR-SEX')).toMatchObject({ iso42001: 'A.5.4, 9.1', severity: 'high' })
    const log = await panelRows('aims-control-outcomes', 'Evaluation log (evidence)')
    expect(log).toHaveLength(6)
  })

  it('alerts: one open, one acknowledged, one resolved; deliveries with the failed one; nonconformities', async () => {
    expect(await panelRows('aims-alerts', 'Alerts by state')).toEqual([{ open: 1, acknowledged: 1, resolved_in_range: 1 }])
    const inbox = await panelRows('aims-alerts', 'Alerts')
    expect(inbox.map((r) => [r.control_id, r.state])).toEqual([['FAIR-SEX', 'open'], ['DRIFT-PSI', 'acknowledged'], ['OPS-ERRORS', 'resolved']])
    expect(inbox.find((r) => r.state === 'acknowledged')).toMatchObject({ actor: 'dana', note: 'older applicants after the marketing campaign' })
    const deliveries = (await panelRows('aims-alerts', 'Notification deliveries'))[0]!
    expect(Number(deliveries.delivered)).toBeGreaterThanOrEqual(3)
    expect(deliveries.failed_attempts).toBe(1)
    expect(await panelRows('aims-alerts', 'Failed deliveries')).toEqual([expect.objectContaining({ notifier: 'retired-endpoint', control_id: 'FAIR-SEX', http_status: 410, will_retry: false })])
    const nonconformities = await panelRows('aims-alerts', 'Nonconformities (ISO/IEC 42001 10.2)')
    expect(nonconformities.map((r) => [r.control_id, r.status]).sort()).toEqual([['DRIFT-PSI', 'open'], ['FAIR-SEX', 'open']])
    expect(received.filter((u) => u === '/gone')).toHaveLength(1)
  })
})
