/** Passed as `error` when the call succeeded (a model may throw `undefined`, which is a failure). */
export const NO_ERROR: unique symbol = Symbol('no error')

/**
 * The recorded type of a failed call: an Error's `name` when it is a non-empty string, `'Error'`
 * for an Error whose name is not (a number, a getter that throws), otherwise `typeof` the thrown
 * value. Read once, at record time, and never throws: the application's error object is hostile
 * ground (getters, Proxies), and its own error must still reach the caller unchanged.
 */
export function errorTypeOf(error: unknown): string {
  try {
    if (!(error instanceof Error)) return typeof error
    const name: unknown = error.name
    return typeof name === 'string' && name.length > 0 ? name : 'Error'
  } catch {
    // `instanceof` (a Proxy's getPrototypeOf trap) or the name getter threw: an object that failed.
    return typeof error === 'object' ? 'Error' : typeof error
  }
}

/** The recorded message of a failed call: an Error's message as a string (converted when it is not one), or undefined. Never throws. */
export function errorMessageOf(error: unknown): string | undefined {
  try {
    if (!(error instanceof Error)) return undefined
    return textOf(error.message)
  } catch {
    // A getter or a toString that throws: the failure is recorded without its message.
    return undefined
  }
}

/** `value` as a string (undefined for null and undefined); may throw (a toString that throws). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value === undefined || value === null) return undefined
  return String(value)
}

/** An error's message for a warning, whatever was thrown (a getter or toString that throws included). Never throws. */
export function describeError(error: unknown): string {
  try {
    return (error instanceof Error ? textOf(error.message) : textOf(error)) ?? String(error)
  } catch {
    // Even its description throws: say what it is.
    return `a thrown ${typeof error}`
  }
}
