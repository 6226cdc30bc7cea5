import { AIMS_ATTRIBUTES as A, ENVIRONMENT_ATTRIBUTES, EVENT_NAME_ATTRIBUTE } from '@aims-monitor/schema'
import { predictionKeyRole } from './map-log-record.js'

/**
 * What a log record's attribute key is to the AIMS conventions, for the two readers that work on
 * the protobuf bytes (protobuf-fast-events.ts and protobuf-row-transcoder.ts): classified once per
 * distinct key as the general mapping (map-log-record.ts) classifies it, then found again by the
 * key's bytes. One role object per key, so that its `stamp` finds a key repeated within a record.
 */
export interface KeyRole {
  readonly kind: RoleKind
  /** Feature or attribute name, else ''. */
  readonly name: string
  /** Slot of a key read by name (KNOWN_KEY_SLOTS), else -1. */
  readonly slot: number
  /** The serial (nextRecordSerial) of the record that last had the key. */
  stamp: number
}

export const enum RoleKind {
  Feature,
  Attribute,
  Known,
  /** `aims.*` not in the conventions: an error for the general path to report. */
  Unknown,
  /** Outside the namespace and not read: its value is skipped unread. */
  Ignored,
  /** A feature or attribute named `__proto__`, which an assignment would not add (set-field.ts). */
  OwnFeature,
  OwnAttribute,
}

/** The keys read by name, each with a slot (its index here). */
export const KNOWN_KEY_SLOTS = [A.predictionId, A.modelId, A.modelVersion, A.outputLabel, A.outputScore, A.outputValue, A.latencyMs, A.streamItems, A.errorType, A.errorMessage, A.outcomeLabel, A.outcomeValue, EVENT_NAME_ATTRIBUTE, ENVIRONMENT_ATTRIBUTES[0], ENVIRONMENT_ATTRIBUTES[1]] as const
export type KnownKey = (typeof KNOWN_KEY_SLOTS)[number]
export const SLOT = Object.fromEntries(KNOWN_KEY_SLOTS.map((key, i) => [key, i])) as Record<KnownKey, number>
/** Slots a prediction must not have (an outcome's keys), and an outcome must not have. */
export const OUTCOME_ONLY_SLOTS = [SLOT[A.outcomeLabel], SLOT[A.outcomeValue]]
export const PREDICTION_ONLY_SLOTS = [SLOT[A.outputLabel], SLOT[A.outputScore], SLOT[A.outputValue], SLOT[A.latencyMs], SLOT[A.streamItems], SLOT[A.errorType], SLOT[A.errorMessage]]

const ROLES = new Map<string, KeyRole>()
const MAX_ROLES = 4096
let generation = 0

/**
 * Changes when the role table starts over (past MAX_ROLES): a reader's own cache of roles by
 * position must then be emptied too, or one key could have two role objects and a repeat of it go
 * unseen.
 */
export function roleGeneration(): number {
  return generation
}

export function roleOf(key: string): KeyRole {
  const known = ROLES.get(key)
  if (known !== undefined) return known
  // Past the bound, start over rather than stop remembering: one sender of ever-new keys would
  // otherwise send every later request of every project down the general path.
  if (ROLES.size >= MAX_ROLES) {
    ROLES.clear()
    generation++
  }
  // Own keys only: `constructor` or `toString` must not read Object.prototype's members as slots.
  const slot = Object.hasOwn(SLOT, key) ? (SLOT as Record<string, number>)[key] : undefined
  const general = slot === undefined ? predictionKeyRole(key) : null
  const role: KeyRole = general === null ? { kind: RoleKind.Known, name: '', slot: slot!, stamp: -1 }
    : general.role === 'feature' ? { kind: general.name === '__proto__' ? RoleKind.OwnFeature : RoleKind.Feature, name: general.name, slot: -1, stamp: -1 }
      : general.role === 'attribute' ? { kind: general.name === '__proto__' ? RoleKind.OwnAttribute : RoleKind.Attribute, name: general.name, slot: -1, stamp: -1 }
        : general.role === 'foreign' ? { kind: RoleKind.Ignored, name: '', slot: -1, stamp: -1 }
          // 'unknown', and 'known' (every key a prediction reads by name has a slot, so never here).
          : { kind: RoleKind.Unknown, name: '', slot: -1, stamp: -1 }
  ROLES.set(key, role)
  return role
}

/**
 * Increases per record read by either reader, across requests (roles are shared by all requests,
 * so a per-request count would meet stamps left by an earlier one).
 */
let recordSerial = 0
export function nextRecordSerial(): number {
  return ++recordSerial
}

/** The entry of a position cache holding exactly `buf[start, start + length)`, compared byte by byte. */
export function cachedWithBytes<T extends { bytes: Uint8Array }>(cached: readonly T[], buf: Uint8Array, start: number, length: number): T | undefined {
  for (let c = 0; c < cached.length; c++) {
    const bytes = cached[c]!.bytes
    if (bytes.length !== length) continue
    let i = 0
    while (i < length && bytes[i] === buf[start + i]) i++
    if (i === length) return cached[c]
  }
  return undefined
}

/**
 * The keys last read at each position of a record, with what a reader keeps for each. Records of one
 * batch carry the same keys in nearly the same order, so a key is first compared with those seen at
 * its position (a byte compare, no hashing nor lookup); only a key new there is decoded and looked up
 * (roleOf). Measured: the interning table's hashing and lookup was a quarter of the fast path. A few
 * keys per position, not one: a record that leaves out an optional key (a missing value) shifts the
 * keys after it, and with one key per position the UCI Adult records (bench/otlp-decode) missed
 * often enough to spend a quarter of the fast path decoding and copying keys again.
 */
export class KeysByPosition<T extends { bytes: Uint8Array }> {
  /** Positions past this are not kept (a record of hundreds of foreign keys must not grow the cache). */
  static readonly MAX_POSITIONS = 256
  private static readonly KEYS_PER_POSITION = 4
  private readonly positions: T[][] = []
  /** The role table's generation the cache was filled in. */
  private generation = roleGeneration()
  /** Which entry a full position replaces next (round robin, shared by the positions). */
  private nextSlot = 0

  /** The entry at `position` whose bytes are exactly `buf[start, start + length)`. */
  find(buf: Uint8Array, start: number, length: number, position: number): T | undefined {
    const cached = this.positions[position]
    return cached === undefined ? undefined : cachedWithBytes(cached, buf, start, length)
  }

  /** Keeps `entry` at `position` (its `bytes` a copy, not a view of the body: a view would keep the whole body alive). */
  remember(position: number, entry: T): void {
    if (position >= KeysByPosition.MAX_POSITIONS) return
    const cached = (this.positions[position] ??= [])
    if (cached.length < KeysByPosition.KEYS_PER_POSITION) cached.push(entry)
    else cached[(this.nextSlot = (this.nextSlot + 1) % KeysByPosition.KEYS_PER_POSITION)] = entry
  }

  /**
   * Empties the cache when the role table has started over since it was filled (true then): its
   * roles are no longer the keys' only role objects, and a key repeated in a record (one copy found
   * here, one looked up again) would carry two stamps and go unseen.
   */
  forgetIfStale(): boolean {
    if (this.generation === roleGeneration()) return false
    this.positions.length = 0
    this.generation = roleGeneration()
    return true
  }
}
