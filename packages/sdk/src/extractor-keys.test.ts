/**
 * fixedKeysOf: which extractors' sources prove the keys of every map they return (the per-call
 * key check is then skipped), and — through a real receiver — that a wrapped call records the
 * same fields either way, including where a proof must not be trusted.
 */
import { describe, expect, it } from 'vitest'
import { fixedKeysOf, isKeySet } from './extractor-keys.js'
import { ShapeHint } from './field-shapes.js'
import { KIND_PREDICTION, RecordQueue } from './record-queue.js'
import { useReceiverMonitor } from './test-support/receiver-monitor.js'

const keys = (fn: unknown) => (fixedKeysOf(fn) === undefined ? undefined : [...fixedKeysOf(fn)!])

describe('fixedKeysOf proves', () => {
  it('an arrow returning one object literal, in its keys', () => {
    expect(keys((a: { age: number; debt: number }) => ({ age: a.age, debt: a.debt }))).toEqual(['age', 'debt'])
  })

  it('string, number and shorthand keys, and a key given twice once', () => {
    const age = 3
    expect(keys(() => ({ 'credit score': 1, 2: 'x', age, age2: age, ['plain']: 0 }))).toBeUndefined() // computed: not proven
    expect(keys(() => ({ 'credit score': 1, 2: 'x', age, x: 1, x2: 2, x3: 3 }))).toEqual(['credit score', '2', 'age', 'x', 'x2', 'x3'])
    // (Built from text: TypeScript refuses a literal with a key given twice.)
    expect(keys(new Function('return { a: 1, a: 2 }'))).toEqual(['a'])
  })

  it('a function whose body is one return of an object literal, named or not', () => {
    function features(a: { age: number }) {
      return { age: a.age, band: a.age > 40 ? 'senior' : 'junior' }
    }
    expect(keys(features)).toEqual(['age', 'band'])
    expect(keys(new Function('a', 'return { age: a.age, "}": 1 }'))).toEqual(['age', '}'])
  })

  it('through braces, quotes and comments the literal holds', () => {
    const f = (a: { note: string }) => ({
      // a comment with a } brace
      note: `}${a.note}{`,
      pattern: /[{}]/.source,
      text: '({ "x": 1 })',
    })
    expect(keys(f)).toEqual(['note', 'pattern', 'text'])
  })
})

describe('fixedKeysOf does not prove', () => {
  const cases: Array<[string, unknown]> = [
    ['a spread', (a: object) => ({ ...a, x: 1 })],
    ['a computed key', (k: string) => ({ [k]: 1 })],
    ['a getter', () => ({ get x() { return 1 } })],
    ['a method', () => ({ x() { return 1 } })],
    ['a __proto__ key', (p: object) => ({ __proto__: p, x: 1 })],
    ['a quoted __proto__ key', (p: object) => ({ '__proto__': p, x: 1 })],
    ['a shorthand __proto__', () => { const __proto__ = 1; return { __proto__, x: 1 } }],
    ['an async extractor (its result is a Promise)', async (a: { x: number }) => ({ x: a.x })],
    ['a generator', function* () { yield { x: 1 } }],
    ['a conditional', (a: { x?: number }) => (a.x === undefined ? { y: 1 } : { x: a.x })],
    ['a body with two statements', (a: { x: number }) => { const x = a.x; return { x } }],
    ['an object built elsewhere', (a: { x: number }) => a],
    ['an object literal assigned and returned', (a: { x: number }) => (globalThis as { last?: unknown }).last = { x: a.x }],
    ['an empty literal', () => ({})],
    ['a bound function', ((a: { x: number }) => ({ x: a.x })).bind(null)],
    ['a native function', Object.keys],
    ['a method definition', { features(a: { x: number }) { return { x: a.x } } }.features],
    ['a Proxy', new Proxy((a: { x: number }) => ({ x: a.x }), {})],
    ['not a function', { x: 1 }],
  ]
  it.each(cases)('%s', (_, extractor) => {
    expect(fixedKeysOf(extractor)).toBeUndefined()
  })

  it('by Function.prototype.toString, never the function\'s own toString; a revoked Proxy is not read', () => {
    const fn = () => ({ x: 1 })
    Object.defineProperty(fn, 'toString', { value: () => { throw new Error('no') } })
    // Function.prototype.toString is called directly, never the function's own toString.
    expect(keys(fn)).toEqual(['x'])
    const revoked = Proxy.revocable(() => ({ x: 1 }), {})
    revoked.revoke()
    expect(fixedKeysOf(revoked.proxy)).toBeUndefined()
  })
})

describe('the proof of a source already read', () => {
  it('is the one kept: an extractor made afresh (a closure per call of wrap) is not parsed again', () => {
    const make = () => (a: { age: number }) => ({ age: a.age, kept: true })
    const first = fixedKeysOf(make())
    expect(first).toEqual(new Set(['age', 'kept']))
    expect(fixedKeysOf(make())).toBe(first)
  })
})

describe('the proof at the queue', () => {
  it('is taken when the first map has the proven keys, and not otherwise', () => {
    const extractor = (a: { age: number; debt: number }) => ({ age: a.age, debt: a.debt })
    const queue = new RecordQueue(8)
    const proven = new ShapeHint(fixedKeysOf(extractor))
    queue.setFields(queue.reserve(KIND_PREDICTION, 1, 0, 0), extractor({ age: 1, debt: 2 }), proven, undefined, new ShapeHint())
    expect(proven.proven).toBe(true)
    const unproven = new ShapeHint(fixedKeysOf(extractor))
    queue.setFields(queue.reserve(KIND_PREDICTION, 2, 0, 0), { age: 1, other: 2 }, unproven, undefined, new ShapeHint())
    expect(unproven.proven).toBe(false)
    const none = new ShapeHint()
    queue.setFields(queue.reserve(KIND_PREDICTION, 3, 0, 0), extractor({ age: 1, debt: 2 }), none, undefined, new ShapeHint())
    expect(none.proven).toBe(false)
  })
})

describe('isKeySet', () => {
  it('holds exactly the names, in any order', () => {
    const fixed = new Set(['a', 'b'])
    expect(isKeySet(['b', 'a'], fixed)).toBe(true)
    expect(isKeySet(['a'], fixed)).toBe(false)
    expect(isKeySet(['a', 'b', 'c'], fixed)).toBe(false)
    expect(isKeySet(['a', 'c'], fixed)).toBe(false)
    expect(isKeySet(['a', 'a'], fixed)).toBe(false)
  })
})

describe('a wrapped call records the same fields with or without a proof', () => {
  const session = useReceiverMonitor({ model: { id: 'm', version: '1' } })
  const predictions = async () => {
    await session.monitor.flush()
    return session.receiver.byEvent('aims.prediction').map((r) => r.attributes)
  }

  it('a proven extractor: every call, a value left undefined is missing, not carried over', async () => {
    const score = session.monitor.wrap((a: { age: number; band?: string }) => a.age, { features: (a) => ({ age: a.age, band: a.band }) })
    score({ age: 30, band: 'young' })
    score({ age: 50 })
    score({ age: 70, band: 'old' })
    const sent = await predictions()
    expect(sent.map((a) => [a['aims.feature.age'], a['aims.feature.band']])).toEqual([[30, 'young'], [50, undefined], [70, 'old']])
  })

  it('an extractor whose keys vary keeps every key of every call', async () => {
    const score = session.monitor.wrap((a: Record<string, number>) => a.x ?? 0, { features: (a) => a })
    score({ x: 1 })
    score({ x: 2, extra: 3 })
    score({ y: 4 })
    const sent = await predictions()
    expect(sent.map((a) => [a['aims.feature.x'], a['aims.feature.extra'], a['aims.feature.y']])).toEqual([[1, undefined, undefined], [2, 3, undefined], [undefined, undefined, 4]])
  })

  it('keys inherited from Object.prototype are never fields, proven or not, before the first call or after', async () => {
    const proven = session.monitor.wrap((a: { age: number }) => a.age, { features: (a) => ({ age: a.age }) })
    const unproven = session.monitor.wrap((a: { age: number }) => a.age, { features: (a) => (a.age > 0 ? { age: a.age } : { age: 0 }) })
    const proto = Object.prototype as Record<string, unknown>
    try {
      proto.injected = 'x'
      proven({ age: 1 })
      unproven({ age: 1 })
      delete proto.injected
      proven({ age: 2 })
      unproven({ age: 2 })
      proto.injected = 'y'
      proven({ age: 3 })
      unproven({ age: 3 })
    } finally {
      delete proto.injected
    }
    const sent = await predictions()
    expect(sent.map((a) => [a['aims.feature.age'], a['aims.feature.injected']])).toEqual([[1, undefined], [1, undefined], [2, undefined], [2, undefined], [3, undefined], [3, undefined]])
  })
})
