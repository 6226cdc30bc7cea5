import { parse } from 'acorn'

/**
 * Read once, when the SDK loads: a library that replaces Function.prototype.toString later (to
 * hide its wrappers, say) could otherwise make an extractor read as a literal it is not. One
 * replaced before the SDK loads is what this process's functions answer to; nothing reads past it.
 */
const functionSource = Function.prototype.toString

/** Extractors longer than this are not read (one parse per `wrap`, but an extractor is a line or two). */
const MAX_SOURCE_LENGTH = 20_000

/**
 * Proofs by source text (a proof depends on nothing else). A full parse is the dearest part of
 * `wrap`, and an application that calls `wrap` per request (with a fresh closure each time) would
 * pay it on every request; a map lookup by the text does not parse. Bounded: emptied when full.
 */
const proofs = new Map<string, ReadonlySet<string> | undefined>()
const MAX_CACHED_PROOFS = 256

/**
 * The keys every object `extractor` returns must have, when its source proves them; otherwise
 * undefined. Why: a wrapped call checks that the features map has the keys of the previous call
 * (a for-in over every key, ~35-50 ns per call on the bench machine, the largest cost of a call
 * after its two clock reads), so that a key present in only some calls is never lost. An
 * extractor written as one object literal — `(a) => ({ age: a.age, income: a.income })`, the
 * form docs/sdk.md shows — creates the same own keys, in the same order, on every call, so for
 * it the check can never fail and is skipped (RecordQueue.setFields; the first call's keys are
 * still read and must equal these, see RecordQueue.learn).
 *
 * Proven only for a plain (not async, not generator) arrow or function whose whole body is, or
 * returns, one object literal of `key: value` and shorthand properties with identifier, string or
 * number keys. Anything else — a spread, a computed key, a getter or method, `__proto__`, a
 * conditional, a bound or native function, source the parser cannot read — keeps the per-call
 * check. The source is parsed with acorn (a full ECMAScript parser): reading it by hand would
 * mistake braces inside strings, templates, regular expressions or comments.
 */
export function fixedKeysOf(extractor: unknown): ReadonlySet<string> | undefined {
  if (typeof extractor !== 'function') return undefined
  let source: string
  try {
    source = functionSource.call(extractor)
  } catch {
    return undefined
  }
  if (source.length > MAX_SOURCE_LENGTH) return undefined
  if (proofs.has(source)) return proofs.get(source)
  const proof = proveKeys(source)
  if (proofs.size >= MAX_CACHED_PROOFS) proofs.clear()
  proofs.set(source, proof)
  return proof
}

/** The proven key set of an extractor's source text (see fixedKeysOf), or undefined. */
function proveKeys(source: string): ReadonlySet<string> | undefined {
  let program: ReturnType<typeof parse>
  try {
    // Parenthesized, a function declaration's text reads as a function expression; a method's
    // text (`features(a) { … }`) or `[native code]` does not parse, and is not proven.
    program = parse(`(${source}\n)`, { ecmaVersion: 'latest' })
  } catch {
    return undefined
  }
  const statement = program.body.length === 1 ? program.body[0] : undefined
  if (statement?.type !== 'ExpressionStatement') return undefined
  const fn = statement.expression
  if ((fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression') || fn.async || fn.generator) return undefined
  let returned = fn.body
  if (returned.type === 'BlockStatement') {
    const only = returned.body.length === 1 ? returned.body[0] : undefined
    if (only?.type !== 'ReturnStatement' || !only.argument) return undefined
    returned = only.argument
  }
  if (returned.type !== 'ObjectExpression') return undefined
  const keys = new Set<string>()
  for (const property of returned.properties) {
    if (property.type !== 'Property' || property.kind !== 'init' || property.computed || property.method) return undefined
    const key = property.key
    let name: string
    if (key.type === 'Identifier') name = key.name
    else if (key.type === 'Literal' && (typeof key.value === 'string' || typeof key.value === 'number')) name = String(key.value)
    else return undefined
    // `__proto__: x` sets the prototype, whose enumerable keys a for-in would list.
    if (name === '__proto__') return undefined
    keys.add(name)
  }
  return keys.size > 0 ? keys : undefined
}

/** Whether `keys` (a map's own keys) holds exactly the names in `fixed`, each once. */
export function isKeySet(keys: readonly string[], fixed: ReadonlySet<string>): boolean {
  if (keys.length !== fixed.size || new Set(keys).size !== keys.length) return false
  for (const key of keys) if (!fixed.has(key)) return false
  return true
}
