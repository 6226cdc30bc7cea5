import type { FieldMap, OutcomeInput, PredictionOutput } from './types.js'

/** One queued prediction or outcome. Slots are preallocated and reused: the hot path allocates nothing here. */
export interface QueuedRecord {
  kind: 'prediction' | 'outcome'
  /** Call number (ids are formatted at export), or -1 when `id` is given. */
  n: number
  id: string | undefined
  timestampMs: number
  latencyMs: number
  features: FieldMap | undefined
  attributes: FieldMap | undefined
  output: PredictionOutput | undefined
  outcome: OutcomeInput | undefined
  errorType: string | undefined
  errorMessage: string | undefined
  traceId: string | undefined
  spanId: string | undefined
  /** Streaming calls: items the stream yielded. */
  items: number
}

function emptyRecord(): QueuedRecord {
  return {
    kind: 'prediction',
    n: -1,
    id: undefined,
    timestampMs: 0,
    latencyMs: NaN,
    features: undefined,
    attributes: undefined,
    output: undefined,
    outcome: undefined,
    errorType: undefined,
    errorMessage: undefined,
    traceId: undefined,
    spanId: undefined,
    items: -1,
  }
}

/**
 * A bounded FIFO of records waiting for export: a ring of preallocated slots. `reserve` never
 * blocks and never grows: when full it returns undefined and the caller counts a drop.
 */
export class RecordQueue {
  private readonly slots: QueuedRecord[]
  private head = 0
  private count = 0

  constructor(readonly capacity: number) {
    this.slots = Array.from({ length: capacity }, emptyRecord)
  }

  get size(): number {
    return this.count
  }

  /** A slot to fill, or undefined when the queue is full. Its previous contents are cleared. */
  reserve(): QueuedRecord | undefined {
    if (this.count === this.capacity) return undefined
    const slot = this.slots[(this.head + this.count) % this.capacity]!
    this.count++
    slot.id = undefined
    slot.latencyMs = NaN
    slot.features = undefined
    slot.attributes = undefined
    slot.output = undefined
    slot.outcome = undefined
    slot.errorType = undefined
    slot.errorMessage = undefined
    slot.traceId = undefined
    slot.spanId = undefined
    slot.items = -1
    return slot
  }

  /** Hands up to `max` oldest records to `visit`, then frees their slots. */
  drain(max: number, visit: (record: QueuedRecord) => void): number {
    const taken = Math.min(max, this.count)
    for (let i = 0; i < taken; i++) {
      const slot = this.slots[(this.head + i) % this.capacity]!
      visit(slot)
      // Let the application's objects go as soon as they are encoded.
      slot.features = undefined
      slot.attributes = undefined
      slot.output = undefined
      slot.outcome = undefined
    }
    this.head = (this.head + taken) % this.capacity
    this.count -= taken
    return taken
  }
}
