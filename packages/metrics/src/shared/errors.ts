// Typed errors for conditions the evaluator must record as an outcome rather than a crash, so callers
// branch on the type (instanceof), never on message text.

/**
 * Thrown when a statistic cannot be computed because there is not enough data (an empty window, a
 * column with only missing values). The evaluation should be recorded as insufficient_data.
 *
 * @example
 * try { detectDrift(column) } catch (e) { if (e instanceof InsufficientDataError) recordInsufficient(e.reason) }
 */
export class InsufficientDataError extends RangeError {
  override readonly name = 'InsufficientDataError'
  constructor(
    /** What is missing, in words. */
    readonly reason: string,
    /** Which input lacks data (e.g. 'reference', 'current'). */
    readonly input: string,
  ) {
    super(`${input}: ${reason}`)
  }
}
