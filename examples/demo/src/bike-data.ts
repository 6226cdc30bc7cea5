import { readFile, writeFile } from 'node:fs/promises'

/** One hour of UCI Bike Sharing (data/bike-sharing/hour.csv), with the columns the demo uses. */
export interface BikeHour {
  instant: number
  /** YYYY-MM-DD */
  dteday: string
  hr: number
  weekday: number
  workingday: number
  weathersit: number
  /** Normalized temperature (°C / 41). */
  temp: number
  /** Normalized feeling temperature (°C / 50). */
  atemp: number
  hum: number
  windspeed: number
  /** Rentals in the hour: the quantity the model predicts. */
  cnt: number
}

/** A line of hour.csv that cannot be read. */
export class BikeDataError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'BikeDataError'
  }
}

const NUMERIC_COLUMNS = ['instant', 'hr', 'weekday', 'workingday', 'weathersit', 'temp', 'atemp', 'hum', 'windspeed', 'cnt'] as const

/**
 * Reads hour.csv as it ships: mostly CRLF line ends, one blank line (line 8481) and the odd padded
 * value (`0 `), so lines are split on either ending, blank lines skipped and values trimmed.
 */
export async function readBikeHours(file: string): Promise<BikeHour[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/)
  const header = lines[0]!.split(',').map((h) => h.trim())
  const index = (name: string) => {
    const i = header.indexOf(name)
    if (i < 0) throw new BikeDataError(file, 1, `no column ${name} in the header`)
    return i
  }
  const dteday = index('dteday')
  const columns = NUMERIC_COLUMNS.map((name) => [name, index(name)] as const)
  const hours: BikeHour[] = []
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!.trim()
    if (line === '') continue
    const fields = line.split(',').map((v) => v.trim())
    if (fields.length !== header.length) throw new BikeDataError(file, n + 1, `expected ${header.length} fields, found ${fields.length}`)
    const hour = { dteday: fields[dteday]! } as BikeHour
    for (const [name, i] of columns) {
      const value = Number(fields[i])
      if (fields[i] === '' || !Number.isFinite(value)) throw new BikeDataError(file, n + 1, `${name} is not a number: ${JSON.stringify(fields[i])}`)
      hour[name] = value
    }
    hours.push(hour)
  }
  return hours
}

/** The hours of one month, e.g. monthOf(hours, '2011-01'). */
export function monthOf(hours: readonly BikeHour[], month: string): BikeHour[] {
  return hours.filter((h) => h.dteday.startsWith(`${month}-`))
}

/** The features the bike model is given and the monitor records (what the drift controls read). */
export const BIKE_FEATURES = ['hr', 'weekday', 'workingday', 'weathersit', 'temp', 'atemp', 'hum', 'windspeed'] as const

/** Writes hours as a clean CSV (LF line ends, the feature columns only) for a reference import. */
export async function writeReferenceCsv(file: string, hours: readonly BikeHour[]): Promise<void> {
  const lines = [BIKE_FEATURES.join(','), ...hours.map((h) => BIKE_FEATURES.map((f) => h[f]).join(','))]
  await writeFile(file, lines.join('\n') + '\n')
}
