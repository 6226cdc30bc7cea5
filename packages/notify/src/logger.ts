/** The subset of pino's API the dispatcher logs through (a pino logger fits as is). */
export interface NotifyLogger {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug?(obj: object, msg?: string): void
}

/** Without a logger, warnings and errors go to stderr as one JSON line each: never silently lost. */
export const stderrLogger: NotifyLogger = {
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', name: 'aims-notify', msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', name: 'aims-notify', msg, ...obj })}\n`),
}
