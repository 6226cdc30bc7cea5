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
  private readonly ids = new Map<string, number>()

  constructor(private readonly maxShapes = 1024) {}

  idOf(keys: string[]): number {
    const signature = JSON.stringify(keys)
    let id = this.ids.get(signature)
    if (id === undefined) {
      if (this.keys.length === this.maxShapes) return -1
      id = this.keys.length
      this.keys.push(keys)
      this.ids.set(signature, id)
    }
    return id
  }
}

/**
 * What one extractor returned last time: its key list (the array registered in FieldShapes, so a
 * match is a comparison of interned strings by identity) and its shape id. One per extractor per
 * wrapped function, so the copy loop of a given call site sees one key list.
 */
export class ShapeHint {
  keys: readonly string[] = []
  id = -1
}
