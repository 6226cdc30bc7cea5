/**
 * The key lists ("shapes") of the objects extractors return, each registered once and named by a
 * small number. Why: an extractor returns an object with the same keys in the same order on every
 * call, so a queued record keeps one shape id and its values by position, instead of one name
 * store per field per call; the export side validates and encodes each shape's names once.
 * Bounded: past `maxShapes` distinct key lists, `idOf` returns -1 and the caller keeps the object.
 */
export class FieldShapes {
  /** Key lists by id. */
  readonly keys: string[][] = []
  /** Copiers by id (see compileCopier); undefined when the shape cannot have one. */
  readonly copiers: Array<FieldCopier | undefined> = []
  private readonly ids = new Map<string, number>()

  constructor(private readonly maxShapes = 1024) {}

  idOf(keys: string[]): number {
    const signature = JSON.stringify(keys)
    let id = this.ids.get(signature)
    if (id === undefined) {
      if (this.keys.length === this.maxShapes) return -1
      id = this.keys.length
      this.keys.push(keys)
      this.copiers.push(compileCopier(keys))
      this.ids.set(signature, id)
    }
    return id
  }
}

/**
 * A key list no map matches (a Symbol is never a for-in key): a hint starts with it, and is only
 * ever set to non-empty lists (RecordQueue.learn), so an object with no keys of its own — a
 * Promise from an `async` extractor — never takes the fast path and is always seen.
 */
const NO_MATCH: readonly string[] = [Symbol('no key list yet') as unknown as string]

/**
 * What one extractor returned last time: its key list (the array registered in FieldShapes, so a
 * match is a comparison of interned strings by identity) and its shape id. One per extractor per
 * wrapped function, so the copy loop of a given call site sees one key list.
 */
export class ShapeHint {
  keys: readonly string[] = NO_MATCH
  copier: FieldCopier | undefined = undefined
  id = -1
  /**
   * Whether `keys` is the extractor's proven key set (`fixedKeys`, see fixedKeysOf): every map it
   * returns has these keys, so the per-call key check is skipped. Set when a map's keys are learned.
   */
  proven = false

  constructor(readonly fixedKeys?: ReadonlySet<string>) {}
}

/** Copies a map's values, in its shape's key order, into a field segment (see FieldRing). */
export type FieldCopier = (numbers: Float64Array, others: unknown[], start: number, map: Record<string, unknown>) => void

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const MAX_COMPILED_KEYS = 64

/**
 * A copier specialised to one key list: `map.age`, `map.income`, … as named property loads.
 * Why: a generic loop reads values by computed key (for-in), which V8 serves through a slower
 * path and, for fields holding doubles, boxes each value — measured ~5 ns per field on the bench
 * machine, against ~1 ns for a named load. Only for keys that are plain identifiers (so the
 * generated source is exactly `map.<key>`, nothing else), and only where the runtime allows code
 * generation (not under --disallow-code-generation-from-strings or a policy that forbids it):
 * otherwise undefined, and the generic loop copies.
 */
export function compileCopier(keys: readonly string[]): FieldCopier | undefined {
  if (keys.length === 0 || keys.length > MAX_COMPILED_KEYS || !keys.every((key) => IDENTIFIER.test(key))) return undefined
  const body = keys
    .map((key, at) => `v = map.${key}; if (typeof v === 'number' && v === v) numbers[start + ${at}] = v; else { numbers[start + ${at}] = NaN; others[start + ${at}] = v }`)
    .join('\n')
  try {
    return new Function('numbers', 'others', 'start', 'map', `'use strict'\nlet v\n${body}`) as FieldCopier
  } catch {
    // Code generation is disabled in this process: the generic loop does the same work.
    return undefined
  }
}
