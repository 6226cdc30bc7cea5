import { describe, expect, it } from 'vitest'
import { collectorConfigFromEnv } from './config.js'

const refusal = (env: NodeJS.ProcessEnv, overrides: Parameters<typeof collectorConfigFromEnv>[1] = {}) => {
  try {
    collectorConfigFromEnv(env, { store: { dataDir: '/tmp/never-opened' }, ...overrides })
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('collectorConfigFromEnv', () => {
  it('reads whole numbers as decimal digits only, naming the variable or the flag', () => {
    for (const value of [' ', '0x1F90', '1e3', '-1', '65536', '80.5']) {
      expect(refusal({ AIMS_PORT: value })).toMatch(/^invalid collector settings: AIMS_PORT: expected a port number from 0 to 65535 in decimal digits, got "/)
      expect(refusal({}, { port: value })).toMatch(/^invalid collector settings: --port: expected a port number/)
    }
    expect(refusal({}, { port: '' })).toMatch(/--port: /) // an empty flag was typed: not the default
    expect(collectorConfigFromEnv({ AIMS_PORT: '' }, { store: { dataDir: '/tmp/x' } }).port).toBe(4318) // an empty variable is unset
    expect(collectorConfigFromEnv({ AIMS_PORT: '8080' }, { store: { dataDir: '/tmp/x' } }).port).toBe(8080)
    expect(collectorConfigFromEnv({ AIMS_PORT: '8080' }, { port: 0, store: { dataDir: '/tmp/x' } }).port).toBe(0) // the flag wins
  })

  it('names every bad variable with the values it accepts, one problem per "; "', () => {
    const message = refusal({ AIMS_INGEST_WORKERS: 'lots', AIMS_EVALUATOR_SCHEDULE: 'yes', AIMS_TRUST_PROXY: 'maybe; or not', AIMS_HOST: '  ', AIMS_SEAL_AFTER_MS: '5', AIMS_PUBLIC_URL: 'ftp://x' })
    const problems = message.replace(/^invalid collector settings: /, '').split('; ')
    expect(problems).toEqual([
      'AIMS_HOST: expected a host name or address, such as 127.0.0.1 or 0.0.0.0',
      'AIMS_SEAL_AFTER_MS: expected a whole number from 10 to 60000 in decimal digits, got "5"',
      'AIMS_INGEST_WORKERS: expected a whole number from 0 to 32 in decimal digits, got "lots"',
      'AIMS_EVALUATOR_SCHEDULE: expected on or off, got "yes"',
      'AIMS_PUBLIC_URL: expected an absolute http(s) URL, such as https://aims.example.org',
      'AIMS_TRUST_PROXY: expected true, false, on, off, 1 or 0, got "maybe, or not"',
    ])
  })

  it('reads AIMS_MAX_COLUMNS_PER_MODEL as a whole number from 20 to 5000, 1000 when unset', () => {
    for (const value of ['19', '5001', 'many', '1e3', ' ']) {
      expect(refusal({ AIMS_MAX_COLUMNS_PER_MODEL: value })).toBe(`invalid collector settings: AIMS_MAX_COLUMNS_PER_MODEL: expected a whole number from 20 to 5000 in decimal digits, got "${value}"`)
    }
    expect(collectorConfigFromEnv({}, { store: { dataDir: '/tmp/x' } }).maxColumnsPerModel).toBe(1000)
    expect(collectorConfigFromEnv({ AIMS_MAX_COLUMNS_PER_MODEL: '20' }, { store: { dataDir: '/tmp/x' } }).maxColumnsPerModel).toBe(20)
  })

  it('takes switches in any case, and booleans from code', () => {
    const config = collectorConfigFromEnv({ AIMS_EVALUATOR_SCHEDULE: 'OFF', AIMS_TRUST_PROXY: '1' }, { store: { dataDir: '/tmp/x' } })
    expect(config).toMatchObject({ evaluatorSchedule: false, trustProxy: true })
    expect(collectorConfigFromEnv({}, { evaluatorSchedule: false, store: { dataDir: '/tmp/x' } }).evaluatorSchedule).toBe(false)
  })
})
