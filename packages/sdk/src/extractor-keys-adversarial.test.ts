/**
 * Adversarial review of fixedKeysOf (the proof that lets a wrapped call skip its per-call key check).
 *
 * The first group held two faults the review found (fixed since: Function.prototype.toString read
 * once at load; a map's fields are its own keys, never inherited ones); everything else documents
 * a case tried and found sound.
 *
 * The reference for "correct": a wrapped call records the same fields whether or not its extractor's
 * keys are proven (an unproven extractor's hint checks the keys of every map).
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { fixedKeysOf, isKeySet } from './extractor-keys.js'
import { ShapeHint } from './field-shapes.js'
import { KIND_PREDICTION, RecordQueue } from './record-queue.js'
import type { FieldMap } from './types.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Input = Record<string, any>
type Extractor = (a: Input) => FieldMap

/** The features each call records through one hint (as a wrapped function records them), from `inputs` in order. */
function recorded(extractor: Extractor, hint: ShapeHint, inputs: Input[], between?: (call: number) => void): Array<FieldMap | undefined> {
  const queue = new RecordQueue(16)
  const out: Array<FieldMap | undefined> = []
  inputs.forEach((input, call) => {
    between?.(call)
    const i = queue.reserve(KIND_PREDICTION, call + 1, 0, 0)
    queue.setFields(i, extractor(input), hint, undefined, new ShapeHint())
    out.push(queue.view(i).features)
  })
  return out
}

describe('the proof does not outlive the state it was checked against', () => {
  it('an enumerable key added to Object.prototype after the first call is recorded neither when proven nor when not', () => {
    const extractor: Extractor = (a) => ({ age: a.age })
    expect([...fixedKeysOf(extractor)!]).toEqual(['age'])
    const proto = Object.prototype as Record<string, unknown>
    const pollute = (call: number) => {
      if (call === 1) proto.injected = 'x'
    }
    try {
      const withProof = recorded(extractor, new ShapeHint(fixedKeysOf(extractor)), [{ age: 1 }, { age: 2 }], pollute)
      delete proto.injected
      const withoutProof = recorded(extractor, new ShapeHint(), [{ age: 1 }, { age: 2 }], pollute)
      delete proto.injected
      // An inherited key is not a field of the map: the unproven path's for-in sees it, and
      // re-learns the map's own keys; the proven path copies by the learned key list.
      expect(withoutProof).toEqual([{ age: 1 }, { age: 2 }])
      expect(withProof).toEqual(withoutProof)
    } finally {
      delete proto.injected
    }
  })

  it('a Function.prototype.toString replaced after the SDK loaded is not what the proof reads', () => {
    // The extractor's real behaviour: a key present only in some calls.
    const extractor: Extractor = (a) => (a.y === undefined ? { x: a.x } : { x: a.x, y: a.y })
    const original = Function.prototype.toString
    // A replaced toString (a library hiding its wrappers, say) that reports other source for it.
    // eslint-disable-next-line no-extend-native
    Function.prototype.toString = function (this: unknown) {
      return this === extractor ? '(a) => ({ x: a.x })' : original.call(this as () => void)
    }
    let fixed: ReadonlySet<string> | undefined
    try {
      fixed = fixedKeysOf(extractor)
    } finally {
      Function.prototype.toString = original
    }
    // What it leads to when the lie is believed: `y` of the second call is lost.
    const withProof = recorded(extractor, new ShapeHint(fixed), [{ x: 1 }, { x: 2, y: 3 }])
    const withoutProof = recorded(extractor, new ShapeHint(), [{ x: 1 }, { x: 2, y: 3 }])
    expect(withoutProof).toEqual([{ x: 1 }, { x: 2, y: 3 }])
    // Function.prototype.toString is captured at module load: the real source is read (a
    // conditional: not proven).
    expect(withProof).toEqual(withoutProof)
    expect(fixed).toBeUndefined()
  })
})

describe('sound: a wrong or doubtful proof is caught or refused', () => {
  it('numeric keys are named as V8 names them; where acorn rounds differently (hex past 2^53) the first call refuses the proof', () => {
    const forIn = (o: object) => {
      const k: string[] = []
      for (const n in o) k.push(n)
      return k
    }
    const spellings = new Function('a', 'return { 1e3: 1, 0x10: 2, 1_001: 3, .5: 4, 1e21: 5, 010: 6, 09: 7, 1: 8, "1": 9, 1.0: 10, 0b11: 11 }') as Extractor
    expect(new Set(forIn(spellings({})))).toEqual(fixedKeysOf(spellings))
    // 0x200000000000011 = 2^57 + 17: V8 rounds it correctly (…904), acorn accumulates digit by
    // digit (…872): the proof names another key, and the first call's check refuses it.
    const hex = new Function('a', 'return { 0x200000000000011: a.v }') as Extractor
    expect([...fixedKeysOf(hex)!]).not.toEqual(forIn(hex({})))
    const hint = new ShapeHint(fixedKeysOf(hex))
    expect(recorded(hex, hint, [{ v: 1 }, { v: 2 }])).toEqual([{ [forIn(hex({}))[0]!]: 1 }, { [forIn(hex({}))[0]!]: 2 }])
    expect(hint.proven).toBe(false)
  })

  it('__proto__ however spelled (escapes in a string or an identifier) is refused; bigint keys are refused', () => {
    for (const body of ['return { "\\u005f_proto__": a, x: 1 }', 'return { __\\u0070roto__: a, x: 1 }', "return { '__proto\\x5f_': a, x: 1 }", 'return { 1n: 1 }']) {
      expect(fixedKeysOf(new Function('a', body))).toBeUndefined()
    }
  })

  it('HTML-like comments: a script reads them as V8 does; a module may not hold them at all', () => {
    // Script goal (new Function, CommonJS): both acorn and V8 read `<!--` and a leading `-->` as comments.
    const open = new Function('a', 'return { x: a.x } <!-- , y: a.y\n') as Extractor
    const close = new Function('a', 'return { x: a.x\n--> , y: a.y\n}') as Extractor
    expect([...fixedKeysOf(open)!]).toEqual(Object.keys(open({ x: 1, y: 2 })))
    expect([...fixedKeysOf(close)!]).toEqual(Object.keys(close({ x: 1, y: 2 })))
    // Module goal: acorn parses as a script, where `a <!--b` would be `a < !--b` in a module by the
    // spec; V8 instead refuses HTML comments in modules, so no module function's source differs.
    let error = ''
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', 'const f = (a, n = 0) => ({ x: a.x }) <!--n || { y: 1 }'], { stdio: 'pipe' })
    } catch (e) {
      error = String((e as { stderr?: Buffer }).stderr)
    }
    expect(error).toContain('HTML comments are not allowed in modules')
  })

  it('toString oddities: a method named `function` reads as the function it is; accessors and other methods are refused', () => {
    const holder = {
      function(a: { x: number }) {
        return { x: a.x }
      },
      get g() {
        return { x: 1 }
      },
      async(a: { x: number }) {
        return { x: a.x }
      },
    }
    expect([...fixedKeysOf(holder.function)!]).toEqual(['x']) // same params and body: sound
    expect(fixedKeysOf(Object.getOwnPropertyDescriptor(holder, 'g')!.get)).toBeUndefined()
    expect(fixedKeysOf(holder.async)).toBeUndefined()
    class C {
      static f(a: { x: number }) {
        return { x: a.x }
      }
    }
    expect(fixedKeysOf(C)).toBeUndefined()
    expect(fixedKeysOf(C.f)).toBeUndefined()
  })

  it('isKeySet: the exact set, and a list repeating a key is not a different set', () => {
    expect(isKeySet(['1', 'a'], new Set(['a', '1']))).toBe(true)
    expect(isKeySet(['a', 'b'], new Set(['a', 'c']))).toBe(false)
    expect(isKeySet(['a', 'a'], new Set(['a', 'b']))).toBe(false)
  })
})
