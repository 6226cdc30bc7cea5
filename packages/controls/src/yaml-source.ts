import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml'
import type { PolicyProblem } from './policy-problem.js'

/**
 * A policy file parsed as YAML, with what the schema check needs to point at the right line: the
 * data, the problems YAML itself has (syntax, duplicate keys, custom tags, unresolved aliases) and
 * a way from a value's path (`controls.2.thresholds.breach`) back to its line and column.
 *
 * Parsed as YAML 1.2 with the core schema: `yes`/`no` stay strings, `2026-10-01` stays a string,
 * anchors, aliases and merge keys (`<<: *defaults`) work; custom tags (`!foo`, `!!binary`) do not,
 * since a policy is plain data an auditor must be able to read as written.
 */
export interface YamlSource {
  /** The document as plain data (undefined when it could not be built). */
  readonly data: unknown
  readonly problems: PolicyProblem[]
  /** Syntax errors: the data may not be what the author meant, so the schema is not checked. */
  readonly fatal: boolean
  /**
   * Where `path` is, 1-based: its value (or its key, with `at: 'key'`), or, when the path does not
   * exist, the key of the deepest part of it that does (the mapping that lacks a key).
   */
  locate(path: readonly PropertyKey[], at?: 'key' | 'value'): SourcePosition
}

export interface SourcePosition {
  readonly line: number
  readonly column: number
  /** The whole path exists in the file (false: the position is the nearest existing parent's). */
  readonly exact: boolean
}

/** Tags a plain-data policy may spell out explicitly (`!!str 0.10` keeps a version a string). */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`))

export interface ReadYamlOptions {
  /**
   * Keys under which numbers are kept as written: `9.1` under `references` is ISO/IEC 42001
   * clause "9.1", and `9.10` must not silently become clause 9.1.
   */
  readonly numbersAsWrittenUnder?: readonly string[]
}

export function readYaml(text: string, options: ReadYamlOptions = {}): YamlSource {
  const asWritten = new Set(options.numbersAsWrittenUnder ?? [])
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, schema: 'core', version: '1.2', uniqueKeys: false, logLevel: 'error' })
  const position = (offset: number | undefined): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset ?? 0)
    return { line, column: col }
  }
  const problems: PolicyProblem[] = []

  for (const error of doc.errors) {
    const message = error.code === 'MULTIPLE_DOCS'
      ? 'a policy file holds one YAML document: remove the "---" separator and what follows, or merge the documents'
      // The YAML library reports its own stack overflow on thousands of nested levels as an error.
      : /Maximum call stack size exceeded/.test(error.message) ? 'the document nests too deeply to be read (a policy needs a few levels, not thousands)' : error.message
    problems.push({ path: '', ...position(error.pos[0]), message: `YAML syntax error: ${message}` })
  }
  const fatal = problems.length > 0
  for (const warning of doc.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') continue // reported with its node below
    problems.push({ path: '', ...position(warning.pos[0]), message: `YAML: ${warning.message}` })
  }
  const locator = (path: readonly PropertyKey[], at: 'key' | 'value' = 'value') => locate(doc, path, at, position)
  if (fatal) return { data: undefined, problems, fatal, locate: locator }

  let unresolvedAlias = false

  const checkTag = (node: Node, ancestors: readonly unknown[]) => {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!')
      problems.push({ path: describePath([...ancestors, node]), ...position(node.range?.[0]), message: `custom tag ${tag} is not allowed: write a plain value (strings, numbers, true/false, lists and mappings)` })
    }
  }
  visit(doc, {
    Scalar(_key, node, ancestors) {
      checkTag(node, ancestors)
      if (typeof node.value === 'string' && !node.value.isWellFormed()) {
        // Only a YAML escape ("\ud800") can write one. No UTF-8 text holds it, so no record citing the
        // policy could be hashed or stored as written.
        problems.push({ path: describePath([...ancestors, node]), ...position(node.range?.[0]), message: 'the text holds half of a UTF-16 surrogate pair (an escape such as \\ud800 alone): write the character itself' })
      }
      if (typeof node.value === 'number' && node.source !== undefined && node.tag === undefined && ancestors.some((a) => isPair(a) && isScalar(a.key) && asWritten.has(String(a.key.value)))) {
        node.value = node.source
      }
    },
    Seq: (_key, node, ancestors) => checkTag(node, ancestors),
    Map(_key, map, ancestors) {
      checkTag(map, ancestors)
      const seen = new Map<string, Pair>()
      for (const pair of map.items) {
        const key = pair.key
        if (isMergeKey(key)) continue
        if (!isScalar(key) || (typeof key.value !== 'string' && typeof key.value !== 'number' && typeof key.value !== 'boolean')) {
          const at = isNode(key) ? key.range?.[0] : undefined
          problems.push({ path: describePath([...ancestors, map]), ...position(at), message: 'expected a plain key (a name such as thresholds): complex, empty and alias keys are not allowed in a policy' })
          continue
        }
        const name = String(key.value)
        if (name === '__proto__') {
          // As plain data this key sets the object's prototype instead of adding an entry, so a
          // notifier (or any mapping entry) of that name would vanish without a word.
          problems.push({ path: describePath([...ancestors, map, pair]), ...position(key.range?.[0]), message: 'the key "__proto__" is not allowed: choose another name' })
          continue
        }
        const first = seen.get(name)
        if (first !== undefined) {
          const here = position(key.range?.[0])
          const there = position((first.key as Node).range?.[0])
          const where = there.line === here.line ? `line ${there.line}, column ${there.column}` : `line ${there.line}`
          problems.push({ path: describePath([...ancestors, map, pair]), ...here, message: `duplicate key ${JSON.stringify(name)} (first at ${where}): each key may appear once in a mapping` })
        } else {
          seen.set(name, pair)
        }
      }
    },
    Alias(_key, alias, ancestors) {
      if (alias.resolve(doc) === undefined) {
        unresolvedAlias = true
        problems.push({ path: describePath([...ancestors, alias]), ...position(alias.range?.[0]), message: `alias *${alias.source} has no anchor &${alias.source} before it` })
      }
    },
  })

  if (unresolvedAlias) return { data: undefined, problems, fatal: true, locate: locator }
  let data: unknown
  try {
    // maxAliasCount bounds the expansion of aliases of aliases ("billion laughs").
    data = doc.toJS({ maxAliasCount: 1000 })
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error
    problems.push({ path: '', line: 1, column: 1, message: `YAML: ${error.message}` })
    return { data: undefined, problems, fatal: true, locate: locator }
  }
  return { data, problems, fatal: false, locate: locator }
}

/** `<<` in a mapping, which the YAML library parses to a symbol when merge keys are on. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<'))
}

// ── From a data path to a node ───────────────────────────────────────────────────────────────────

interface Step {
  readonly node: unknown
  /** The key the node is the value of, when it is a mapping value. */
  readonly key: Node | undefined
}

function locate(doc: Document, path: readonly PropertyKey[], at: 'key' | 'value', position: (offset: number | undefined) => { line: number; column: number }): SourcePosition {
  let step: Step = { node: doc.contents, key: undefined }
  let exact = true
  for (const segment of path) {
    const next = child(doc, resolve(doc, step.node), segment)
    if (next === undefined) {
      exact = false
      break
    }
    step = next
  }
  const valueStart = isNode(step.node) ? step.node.range?.[0] : undefined
  const keyStart = step.key?.range?.[0]
  // A missing key is reported on the key of the mapping that lacks it (`thresholds:`); an unknown
  // key on the key itself; a wrong value on the value, unless it is empty (then on its key).
  const emptyValue = isScalar(step.node) && step.node.value === null && step.node.source === ''
  const useKey = keyStart !== undefined && (!exact || at === 'key' || emptyValue || valueStart === undefined)
  return { ...position(useKey ? keyStart : valueStart), exact }
}

function resolve(doc: Document, node: unknown): unknown {
  // Aliases of aliases are bounded by the YAML library (and by maxAliasCount when building data).
  for (let hops = 0; isAlias(node) && hops < 100; hops++) node = node.resolve(doc)
  return node
}

function child(doc: Document, node: unknown, segment: PropertyKey): Step | undefined {
  if (isSeq(node)) {
    const item = typeof segment === 'number' ? node.items[segment] : undefined
    return item === undefined ? undefined : { node: item, key: undefined }
  }
  if (!isMap(node)) return undefined
  const pair = pairsByKey(node).get(String(segment))
  if (pair !== undefined) return { node: pair.value, key: pair.key as Node }
  // A key that came in through a merge (`<<: *defaults`) is found in the merged mapping.
  for (const merge of node.items.filter((p) => isMergeKey(p.key))) {
    const sources = resolve(doc, merge.value)
    for (const source of isSeq(sources) ? sources.items : [sources]) {
      const found = child(doc, resolve(doc, source), segment)
      if (found !== undefined) return found
    }
  }
  return undefined
}

/**
 * A mapping's pairs by key name, built once per mapping: locating each of n problems in a mapping
 * of n keys (a file of thousands of unknown keys) by scanning it would take O(n²), minutes for a
 * few megabytes. toJS keeps the last of duplicate keys, and so does this.
 */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>()
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map)
  if (index === undefined) {
    index = new Map()
    for (const pair of map.items) if (isScalar(pair.key) && !isMergeKey(pair.key)) index.set(String(pair.key.value), pair)
    pairIndex.set(map, index)
  }
  return index
}

/** `controls[2].thresholds` from the ancestors `visit` passes (for problems YAML itself finds). */
function describePath(ancestors: readonly unknown[]): string {
  let path = ''
  for (let i = 0; i < ancestors.length; i++) {
    const node = ancestors[i]
    const parent = ancestors[i - 1]
    if (isPair(node) && isScalar(node.key)) path = joinPath(path, String(node.key.value))
    else if (isSeq(parent) && isNode(node)) path += `[${parent.items.indexOf(node)}]`
  }
  return path
}

/** Appends a key to a path: `a.b`, or `a["odd key"]` when the key is not a simple name. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`
  return `${path}[${JSON.stringify(key)}]`
}
