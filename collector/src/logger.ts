import pino from 'pino'

/** Structured JSON logs on stderr, so stdout stays for what a command prints for people. */
export function createLogger(level: string = process.env.AIMS_LOG_LEVEL ?? 'info') {
  return pino({ level, base: { service: 'aims-collector' } }, pino.destination(2))
}

export type Logger = pino.Logger
