/**
 * The export queue on its own: field values copied by shape (FieldShapes, per-extractor hints,
 * compiled copiers) into a packed ring (FieldRing) must come back exactly as given — whatever the
 * keys do from one call to the next, when the ring wraps or fills, when the shape table is full,
 * and where code generation is not allowed — and exported records must let go of the values.
 */
import { expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ShapeHint, compileCopier } from './field-shapes.js'
import { ATTRIBUTE_SHAPE, FEATURE_SHAPE, FIELDS, ITEMS, KIND, KIND_OUTCOME, KIND_PREDICTION, LATENCY, N, NO_FIELDS, OVERFLOW, PromisedFieldsError, RecordQueue, SCORE, TIME, VALUE } from './record-queue.js'
import type { FieldMap } from './types.js'

/** Records `maps` (features, and attributes when given) and returns what the queue gives back for each, draining all. */
function roundTrip(queue: RecordQueue, maps: Array<{ features?: FieldMap; attributes?: FieldMap }>, hints = { features: new ShapeHint(), attributes: new ShapeHint() }) {
  const back: Array<{ features: FieldMap | undefined; attributes: FieldMap | undefined }> = []
  for (const { features, attributes } of maps) {
    const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
    expect(i).toBeGreaterThanOrEqual(0)
    queue.setFields(i, features, hints.features, attributes, hints.attributes)
  }
  queue.drain(queue.size, (i) => {
    const view = queue.view(i)
    back.push({ features: view.features, attributes: view.attributes })
  })
  return back
}

/** What a map should come back as: null and undefined values are missing. */
function present(map: FieldMap | undefined): FieldMap | undefined {
  if (map === undefined) return undefined
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== null && v !== undefined))
}

it("records each call's own keys when they change from one call to the next", () => {
  const queue = new RecordQueue(64)
  const maps: FieldMap[] = [
    { age: 30, income: 1.5 },
    { age: 31, income: 2.5 },
    { age: 32 }, // a key removed
    { age: 33, income: 3.5, region: 'north' }, // a key added
    { income: 4.5, age: 34 }, // reordered
    { age: 'thirty-five', income: true }, // other value types under the same keys
    { age: null, income: undefined }, // missing values
    {}, // nothing
    { age: NaN, income: -0, big: 2 ** 60 },
    { 'not an identifier': 1, 'a.b': 2, '0': 3 }, // keys no compiled copier takes
    { age: 36, income: 5.5 }, // back to the first shape
  ]
  const back = roundTrip(queue, maps.map((features) => ({ features, attributes: { segment: 'x' } })))
  back.forEach((record, k) => {
    const want = present(maps[k])
    if (Object.keys(want!).length === 0) expect(record.features ?? {}).toEqual({})
    else expect(record.features).toEqual(want)
    expect(record.attributes).toEqual({ segment: 'x' })
  })
})

it('keeps records in order and intact while the field ring wraps around and fills up', () => {
  // 8 records, 4 field slots each on average: wide records fill the ring before the queue is full.
  const queue = new RecordQueue(8, 4)
  const hints = { features: new ShapeHint(), attributes: new ShapeHint() }
  const waiting: Array<{ features: FieldMap; attributes: FieldMap | undefined }> = []
  let n = 0
  let overflows = 0
  let wraps = 0
  let lastStart = -1
  for (let step = 0; step < 400; step++) {
    // Push a few, then export a few: the oldest records are still queued while new ones wrap.
    for (let k = 0; k < 1 + (step % 3) && queue.size < queue.capacity; k++) {
      const width = n++ % 13 // 0 to 12 fields: some do not fit what is left of the ring
      const record = { features: Object.fromEntries(Array.from({ length: width }, (_, f) => [`f${f}`, n * 100 + f])), attributes: n % 2 ? { s: `v${n}` } : undefined }
      const i = queue.reserve(KIND_PREDICTION, n, 0, 0)
      queue.setFields(i, record.features, hints.features, record.attributes, hints.attributes)
      if (queue.metaOf(i, FEATURE_SHAPE) === OVERFLOW) overflows++
      const start = queue.metaOf(i, FIELDS)
      if (start >= 0) {
        if (start < lastStart && queue.size > 1) wraps++
        lastStart = start
      }
      waiting.push(record)
    }
    queue.drain(1 + (step % 2), (i) => {
      const want = waiting.shift()!
      const view = queue.view(i)
      expect(view.features ?? {}).toEqual(want.features)
      expect(view.attributes).toEqual(want.attributes)
    })
  }
  queue.drain(queue.size, (i) => expect(queue.view(i).features ?? {}).toEqual(waiting.shift()!.features))
  expect(waiting).toHaveLength(0)
  expect(wraps).toBeGreaterThan(0) // segments were placed back at the start while older ones were queued
  expect(overflows).toBeGreaterThan(0) // the ring was full at times
  // Everything exported: no value is held any more.
  expect(queue.fields.others.every((v) => v === undefined)).toBe(true)
  expect(queue.refs.overflowFeatures.every((v) => v === undefined)).toBe(true)
})

it('past the bound on distinct key lists, copies the maps at the call, still exactly', () => {
  const queue = new RecordQueue(2_000)
  const maps = Array.from({ length: 1_200 }, (_, k) => ({ features: { [`only${k}`]: k, shared: 'x' } }))
  const back = roundTrip(queue, maps)
  expect(queue.shapes.keys.length).toBe(1_024)
  back.forEach((record, k) => expect(record.features).toEqual(maps[k]!.features))
})

it('a map that does not fit the ring is copied at the call: a mutation afterwards is not what is recorded', () => {
  const queue = new RecordQueue(16, 4) // 64 field values in all
  const wide: Record<string, number> = Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`k${k}`, k]))
  const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
  queue.setFields(i, wide, new ShapeHint(), undefined, new ShapeHint())
  expect(queue.metaOf(i, FEATURE_SHAPE)).toBe(OVERFLOW)
  wide.k0 = -1
  delete wide.k1
  expect(queue.view(i).features).toEqual(Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`k${k}`, k])))
})

it('a map that throws while read leaves a consistent record (no values, its ring segment freed in order) and the ring usable', () => {
  const queue = new RecordQueue(8, 8)
  const hint = new ShapeHint()
  let fail = false
  const map = { a: 1, b: 2, get c(): number { if (fail) throw new Error('getter'); return 3 } }
  const ok = queue.reserve(KIND_PREDICTION, 1, 0, 0)
  queue.setFields(ok, map, hint, { s: 'x' }, new ShapeHint())
  fail = true
  const bad = queue.reserve(KIND_PREDICTION, 2, 0, 0)
  expect(() => queue.setFields(bad, map, hint, undefined, new ShapeHint())).toThrow('getter')
  queue.clearFields(bad)
  expect(queue.view(bad).features).toEqual({})
  expect(queue.view(ok).features).toEqual({ a: 1, b: 2, c: 3 })
  queue.drain(queue.size, () => undefined)
  // The ring gives room again, whole: every value of every record back as given.
  fail = false
  expect(roundTrip(queue, Array.from({ length: 8 }, () => ({ features: map })))).toEqual(Array.from({ length: 8 }, () => ({ features: { a: 1, b: 2, c: 3 }, attributes: undefined })))
})

it('a map that is a Promise (an async extractor) never takes the fast path, even after a map without keys', () => {
  const queue = new RecordQueue(8)
  const hint = new ShapeHint()
  for (const map of [{}, Promise.resolve({}), {}, Promise.resolve({ a: 1 })]) {
    const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
    if (map instanceof Promise) expect(() => queue.setFields(i, map as never, hint, undefined, new ShapeHint())).toThrow(PromisedFieldsError)
    else queue.setFields(i, map, hint, undefined, new ShapeHint())
  }
})

it('a score or value that is not a number is stored as unusable (counted at export), null as not given', () => {
  const queue = new RecordQueue(8)
  const cases: Array<[unknown, number]> = [[0.5, 0.5], [null, NaN], [undefined, NaN], ['0.7', Infinity], [true, Infinity], [10n, Infinity], [NaN, Infinity], [-Infinity, -Infinity]]
  for (const [score, stored] of cases) {
    const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
    queue.setOutput(i, { score: score as number })
    expect(queue.number(i, SCORE)).toBe(stored)
  }
})

it('lets go of the values and references of exported records', () => {
  const queue = new RecordQueue(16)
  const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
  queue.setFields(i, { region: 'north', flag: true, n: 1 }, new ShapeHint(), { segment: 'gold' }, new ShapeHint())
  queue.setOutput(i, { label: 'approve', score: 0.5 })
  queue.refs.errorType[i] = 'Error'
  queue.refs.span[i] = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }
  expect(queue.fields.others.some((v) => v === 'north')).toBe(true)
  queue.drain(1, () => undefined)
  expect(queue.fields.others.every((v) => v === undefined)).toBe(true)
  for (const column of Object.values(queue.refs)) expect(column.every((v: unknown) => v === undefined)).toBe(true)
})

it('compiles copiers only for identifier keys', () => {
  expect(compileCopier(['age', 'income', '_x', '$y'])).toBeTypeOf('function')
  expect(compileCopier(['age', 'not an identifier'])).toBeUndefined()
  expect(compileCopier(['a.b'])).toBeUndefined()
  expect(compileCopier(['constructor; process.exit(1)'])).toBeUndefined()
  expect(compileCopier([])).toBeUndefined()
})

it('copies without compiled copiers where code generation from strings is disallowed (the compiled SDK, in a child process)', () => {
  const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url))
  const script = `
    const { compileCopier, ShapeHint } = await import(${JSON.stringify(dist('field-shapes.js'))})
    const { RecordQueue, KIND_PREDICTION } = await import(${JSON.stringify(dist('record-queue.js'))})
    const queue = new RecordQueue(16)
    const hint = new ShapeHint()
    const out = []
    for (const features of [{ age: 1, region: 'n' }, { age: 2, region: 's' }]) {
      const i = queue.reserve(KIND_PREDICTION, 1, 0, 0)
      queue.setFields(i, features, hint, undefined, new ShapeHint())
    }
    queue.drain(2, (i) => out.push(queue.view(i).features))
    console.log(JSON.stringify({ compiled: compileCopier(['age']) !== undefined, out }))`
  const stdout = execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' })
  expect(JSON.parse(stdout)).toEqual({ compiled: false, out: [{ age: 1, region: 'n' }, { age: 2, region: 's' }] })
})

it("the hot path's literal offsets (reserve, setFields, setOutput) agree with the layout's named columns", () => {
  const queue = new RecordQueue(4)
  const hint = new ShapeHint()
  for (let k = 0; k < 3; k++) {
    const i = queue.reserve(k % 2 ? KIND_OUTCOME : KIND_PREDICTION, 100 + k, 1_700_000_000_000 + k, 5 + k)
    expect([N, TIME, LATENCY, ITEMS, SCORE, VALUE].map((column) => queue.number(i, column))).toEqual([100 + k, 1_700_000_000_000 + k, 5 + k, -1, NaN, NaN])
    expect([KIND, FEATURE_SHAPE, ATTRIBUTE_SHAPE, FIELDS].map((column) => queue.metaOf(i, column))).toEqual([k % 2, NO_FIELDS, NO_FIELDS, -1])
    queue.setOutput(i, { score: 0.25 + k, value: 7 + k })
    expect([queue.number(i, SCORE), queue.number(i, VALUE)]).toEqual([0.25 + k, 7 + k])
    queue.setFields(i, { a: k, b: 'x' }, hint, { s: 'y' }, new ShapeHint()) // the fast path from the second record on
    expect(queue.view(i)).toMatchObject({ features: { a: k, b: 'x' }, attributes: { s: 'y' } })
    expect(queue.metaOf(i, FIELDS)).toBeGreaterThanOrEqual(0)
    expect(queue.metaOf(i, FEATURE_SHAPE)).toBe(hint.id)
  }
})
