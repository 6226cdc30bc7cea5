import { open } from 'node:fs/promises'
import { canonicalJson, sha256Hex } from './canonical-json.js'
import { issuesToProblems, policyErrorMap } from './policy-issues.js'
import { sortProblems, type PolicyProblem } from './policy-problem.js'
import { policySchema, type Control, type Policy } from './policy-schema.js'
import { readYaml } from './yaml-source.js'

export type PolicyLoadResult = PolicyLoaded | PolicyRejected

export interface PolicyLoaded {
  readonly ok: true
  readonly source: string
  readonly policy: Policy
  /** Hex SHA-256 of the file's bytes: what `sha256sum policy.yaml` prints, and what evaluations cite. */
  readonly sha256: string
  /** Control id → hex SHA-256 of the canonical JSON of its parsed form (see `controlHash`). */
  readonly controlHashes: Readonly<Record<string, string>>
  /** The file's text as loaded (kept in the policy history, diffed against the previous version). */
  readonly text: string
}

export interface PolicyRejected {
  readonly ok: false
  readonly source: string
  /** Every problem found, in line order. */
  readonly problems: readonly PolicyProblem[]
}

/** The file could not be read at all (missing, a directory, unreadable): not a policy problem. */
export class PolicyFileError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message)
    this.name = 'PolicyFileError'
  }
}

/**
 * Parses and validates a policy file's text. Never throws on bad input: every problem (YAML syntax,
 * duplicate keys, custom tags, schema, unknown framework references, unknown notifiers…) comes back
 * with its line and column.
 *
 * @example
 * const result = loadPolicy(await readFile('policy.yaml', 'utf8'), 'policy.yaml')
 * if (!result.ok) console.error(formatProblems(result.problems, result.source))
 */
export function loadPolicy(text: string, source = '<policy>'): PolicyLoadResult {
  const yaml = readYaml(text, { numbersAsWrittenUnder: ['references', 'exclusions'] })
  if (yaml.fatal) return { ok: false, source, problems: sortProblems(yaml.problems) }
  if (yaml.data === null || yaml.data === undefined) {
    return { ok: false, source, problems: [{ path: '', line: 1, column: 1, message: `empty policy: expected a mapping with apiVersion, kind, metadata, notifiers and controls` }] }
  }
  const parsed = policySchema.safeParse(yaml.data, { error: policyErrorMap })
  // A "__proto__" key is already refused by readYaml; the schema's "unknown key" for it would say it twice.
  const schemaProblems = parsed.success ? [] : issuesToProblems(parsed.error.issues, yaml, policySchema).filter((p) => !p.path.endsWith('.__proto__'))
  const problems = [...yaml.problems, ...schemaProblems]
  if (!parsed.success || problems.length > 0) return { ok: false, source, problems: sortProblems(problems) }
  const controlHashes = Object.fromEntries(parsed.data.controls.map((control) => [control.id, controlHash(control)]))
  return { ok: true, source, policy: parsed.data, sha256: sha256Hex(text), controlHashes, text }
}

/**
 * The largest policy file read, 4 MiB: a policy of hundreds of controls is a few hundred KB, and
 * the file is parsed whole (YAML with positions), so a stray multi-gigabyte file or a device such
 * as /dev/zero must be refused rather than read until memory runs out.
 */
export const MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024

/**
 * Reads and loads a policy file. The hash is of the bytes on disk; a file that is not UTF-8, or
 * larger than MAX_POLICY_FILE_BYTES, is a problem. Throws PolicyFileError when the file cannot be read.
 */
export async function loadPolicyFile(path: string): Promise<PolicyLoadResult> {
  let bytes: Buffer
  try {
    bytes = await readAtMost(path, MAX_POLICY_FILE_BYTES + 1)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message
    throw new PolicyFileError(path, code, `cannot read policy file ${path}: ${reason}`)
  }
  if (bytes.length > MAX_POLICY_FILE_BYTES) {
    return { ok: false, source: path, problems: [{ path: '', line: 1, column: 1, message: `the file is larger than ${MAX_POLICY_FILE_BYTES} bytes (4 MiB), the most a policy file may hold; is it the right file?` }] }
  }
  let text: string
  try {
    // ignoreBOM keeps a byte-order mark in the text, so the text's UTF-8 bytes are the file's.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    return { ok: false, source: path, problems: [{ path: '', ...firstNonUtf8(bytes), message: 'the file is not valid UTF-8 text' }] }
  }
  return loadPolicy(text, path)
}

/** Line and column (1-based, as the YAML positions count them) of the first byte that is not UTF-8. */
function firstNonUtf8(bytes: Uint8Array): { line: number; column: number } {
  // The longest prefix that decodes as the start of a stream (a character cut at its end is not yet
  // an error) ends where the bad byte starts; shorter prefixes decode too, so a binary search finds it.
  const decodes = (length: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, length), { stream: true })
      return true
    } catch (error) {
      if (!(error instanceof TypeError)) throw error
      return false
    }
  }
  let low = 0
  let high = bytes.length
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (decodes(mid)) low = mid
    else high = mid - 1
  }
  const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, low), { stream: true })
  const lineStart = before.lastIndexOf('\n') + 1
  return { line: before.split('\n').length, column: before.length - lineStart + 1 }
}

/**
 * Hex SHA-256 of a control's canonical JSON (parsed form: durations in milliseconds, defaults
 * filled in), so that reformatting the file or reordering keys leaves it unchanged while any change
 * to what the control means changes it.
 */
export function controlHash(control: Control): string {
  return sha256Hex(canonicalJson(control))
}

/** The first `limit` bytes of a file (all of it when shorter), read without knowing its size: a pipe or a device has none. */
async function readAtMost(path: string, limit: number): Promise<Buffer> {
  const file = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(Math.min(limit, 64 * 1024))
    const chunks: Buffer[] = []
    let total = 0
    while (total < limit) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, limit - total), null)
      if (bytesRead === 0) break
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)))
      total += bytesRead
    }
    return Buffer.concat(chunks, total)
  } finally {
    await file.close()
  }
}
