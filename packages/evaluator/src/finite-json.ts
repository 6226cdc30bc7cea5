/**
 * The evaluation record is stored as canonical JSON (RFC 8785), which has no NaN or ±∞: one such
 * number anywhere in a record made its append throw, and that failed the whole batch, not just the
 * control (a chi-square statistic is +∞ for a category the reference never had, as scipy gives it).
 * These helpers make a record's numbers storable without losing what they said.
 */

/**
 * A copy of `value` in which every NaN, Infinity and −Infinity number (at any depth of plain
 * objects and arrays) is its text, `'NaN'`, `'Infinity'` or `'-Infinity'`; everything else as it is.
 *
 * @example
 * nonFiniteAsText({ statistic: Infinity, dof: 2 }) // { statistic: 'Infinity', dof: 2 }
 */
export function nonFiniteAsText(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (Array.isArray(value)) return value.map(nonFiniteAsText)
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) out[key] = nonFiniteAsText(inner)
    return out
  }
  return value
}

/** A record's numeric field: the number when finite, else null (its text stays in the record's reason). */
export function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null
}
