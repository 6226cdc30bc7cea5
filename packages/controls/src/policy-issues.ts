import type { z } from 'zod'
import { editDistance } from './edit-distance.js'
import { joinPath, type YamlSource } from './yaml-source.js'
import type { PolicyProblem } from './policy-problem.js'

/**
 * Turns the schema's issues into problems a governance author can act on: placed on the line and
 * column of the value (or of the mapping that lacks a key), saying what was there and what was
 * expected. zod's own wording ("Invalid input") is replaced by `policyErrorMap`; unknown keys are
 * listed one by one with the keys allowed there; a union that failed is explained by the one
 * alternative the author evidently meant, when there is one.
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], yaml: YamlSource, schema: z.core.$ZodType): PolicyProblem[] {
  const choices = new Map<string, number>()
  const flat = issues.flatMap((issue) => flatten(issue, [], choices))
  return flat.map(({ path, at, message, code }) => {
    const where = yaml.locate(path, at)
    const last = path[path.length - 1]
    let text = message
    if (!where.exact && at === 'value' && MISSING_CODES.has(code) && valueAt(yaml.data, path.slice(0, -1)) !== undefined) {
      text = `missing required key ${JSON.stringify(String(last))}: ${message}`
    } else if (code === 'unrecognized_keys') {
      text = unknownKeyMessage(String(last), allowedKeys(schema, path.slice(0, -1), yaml.data, choices))
    } else if (where.exact && /^expected /.test(message) && !/\bgot\b/.test(message)) {
      // Schema-level messages ("expected an http(s) URL") do not say what was there: add it.
      text = `${message}, got ${describeValue(valueAt(yaml.data, path))}`
    }
    return { path: formatPath(path), line: where.line, column: where.column, message: text }
  })
}

/** Codes whose issue on an absent value means the key is missing. */
const MISSING_CODES = new Set(['invalid_type', 'invalid_value', 'invalid_union'])

interface FlatIssue {
  readonly path: PropertyKey[]
  readonly at: 'key' | 'value'
  readonly message: string
  readonly code: string
}

function flatten(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[], choices: Map<string, number>): FlatIssue[] {
  const path = [...prefix, ...issue.path]
  switch (issue.code) {
    case 'invalid_union': {
      // The alternative with the fewest issues is the one the author meant ({ every: 1x } meant
      // `every`, not `cron`); when two tie, the union's own message says what the choices are.
      const sizes = issue.errors.map((errors) => errors.length)
      const best = Math.min(...sizes)
      if (sizes.length > 0 && sizes.filter((n) => n === best).length === 1) {
        const index = sizes.indexOf(best)
        choices.set(pathKey(path), index)
        return issue.errors[index]!.flatMap((inner) => flatten(inner, path, choices))
      }
      return [{ path, at: 'value', message: issue.message, code: issue.code }]
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], at: 'key', message: issue.message, code: issue.code }))
    case 'invalid_key': {
      const reasons = issue.issues.map((inner) => inner.message).join('; ')
      return [{ path, at: 'key', message: `invalid name ${JSON.stringify(String(path[path.length - 1]))}: ${reasons}`, code: issue.code }]
    }
    default:
      return [{ path, at: 'value', message: issue.message, code: issue.code }]
  }
}

/**
 * zod's issues in the policy's words; used for every check whose schema gives no message of its own.
 *
 * @example
 * policySchema.safeParse(data, { error: policyErrorMap })
 */
export const policyErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = issue.input === undefined ? '' : `, got ${describeValue(issue.input)}`
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}${got}`
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${String(issue.values[0])}${got}` : `expected one of ${issue.values.map(String).join(', ')}${got}`
    case 'too_small':
      return `expected ${bound(issue.origin, issue.minimum, issue.inclusive, 'at least', 'above')}${got}`
    case 'too_big':
      return `expected ${bound(issue.origin, issue.maximum, issue.inclusive, 'at most', 'below')}${got}`
    case 'invalid_format':
      return `expected ${FORMAT_NAMES[issue.format] ?? (issue.pattern !== undefined ? `text matching ${issue.pattern}` : `a valid ${issue.format}`)}${got}`
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}${got}`
    case 'unrecognized_keys':
      return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    case 'invalid_union':
      return 'expected one of the forms docs/controls.md describes'
    default:
      return undefined
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'a mapping',
  array: 'a list', record: 'a mapping', null: 'an empty value', bigint: 'a whole number',
}

const FORMAT_NAMES: Record<string, string> = {
  email: 'an email address such as governance@example.org',
  url: 'a URL such as https://example.org/hook',
}

function bound(origin: string, limit: number | bigint, inclusive: boolean | undefined, inclusiveWord: string, exclusiveWord: string): string {
  const n = Number(limit)
  switch (origin) {
    case 'array': return `at least ${n} item${n === 1 ? '' : 's'}`.replace('at least', inclusiveWord)
    case 'string': return `${inclusiveWord} ${n} character${n === 1 ? '' : 's'}`
    case 'int': return `a whole number ${inclusive === false ? exclusiveWord : inclusiveWord} ${n}`
    default: return `a number ${inclusive === false ? exclusiveWord : inclusiveWord} ${n}`
  }
}

/** What a YAML value is, for a message: the text itself for scalars, its kind for collections. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'an empty value'
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  return String(value)
}

// ── Unknown keys ─────────────────────────────────────────────────────────────────────────────────

function unknownKeyMessage(key: string, allowed: readonly string[] | undefined): string {
  if (allowed === undefined) return `unknown key ${JSON.stringify(key)}`
  const close = allowed.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= 2)
  const hint = close.length === 1 ? ` (did you mean ${close[0]}?)` : ''
  return `unknown key ${JSON.stringify(key)}${hint}: expected one of ${allowed.join(', ')}`
}

type Def = { type: string; innerType?: Schema; in?: Schema; shape?: Record<string, Schema>; element?: Schema; valueType?: Schema; options?: Schema[]; discriminator?: string; values?: unknown[]; getter?: () => Schema }
type Schema = { _zod: { def: Def } }

/** The keys the schema allows in the mapping at `path`, or undefined when that is not a fixed shape. */
function allowedKeys(root: z.core.$ZodType, path: readonly PropertyKey[], data: unknown, choices: Map<string, number>): string[] | undefined {
  let schema: Schema | undefined = unwrap(root as unknown as Schema)
  let value = data
  const walked: PropertyKey[] = []
  for (const segment of path) {
    schema = pickOption(schema, value, walked, choices)
    const def: Def | undefined = schema?._zod.def
    if (def === undefined) return undefined
    if (def.type === 'object') schema = def.shape?.[String(segment)]
    else if (def.type === 'array') schema = def.element
    else if (def.type === 'record') schema = def.valueType
    else return undefined
    schema = unwrap(schema)
    value = isRecordOrArray(value) ? (value as Record<PropertyKey, unknown>)[segment as string] : undefined
    walked.push(segment)
  }
  schema = pickOption(schema, value, walked, choices)
  const def = schema?._zod.def
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined
}

/** Looks through wrappers (optional, default, pipe, lazy) to the schema that checks the shape. */
function unwrap(schema: Schema | undefined): Schema | undefined {
  for (let depth = 0; schema !== undefined && depth < 20; depth++) {
    const def = schema._zod.def
    if (['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'readonly', 'catch'].includes(def.type)) schema = def.innerType
    else if (def.type === 'pipe') schema = def.in
    else if (def.type === 'lazy' && def.getter) schema = def.getter()
    else return schema
  }
  return schema
}

/** For a union: the option the value was checked as (by discriminator, or as `flatten` chose). */
function pickOption(schema: Schema | undefined, value: unknown, walked: readonly PropertyKey[], choices: Map<string, number>): Schema | undefined {
  const def = schema?._zod.def
  if (def?.type !== 'union' || def.options === undefined) return schema
  if (def.discriminator !== undefined && isRecordOrArray(value)) {
    const tag = (value as Record<string, unknown>)[def.discriminator]
    const option = def.options.find((o) => unwrap(o)?._zod.def.shape?.[def.discriminator!]?._zod.def.values?.includes(tag))
    return unwrap(option)
  }
  const chosen = choices.get(pathKey(walked))
  return chosen === undefined ? undefined : unwrap(def.options[chosen])
}

// ── Paths ────────────────────────────────────────────────────────────────────────────────────────

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data
  for (const segment of path) {
    if (!isRecordOrArray(value)) return undefined
    value = (value as Record<PropertyKey, unknown>)[segment as string]
  }
  return value
}

function isRecordOrArray(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map(String))
}

/** `controls[2].references.iso42001[0]` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => joinPath(text, typeof segment === 'number' ? segment : String(segment)), '')
}
