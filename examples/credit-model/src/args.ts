import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

/** A command line the example cannot run with; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `usage: node examples/credit-model/dist/main.js [options]
  --endpoint URL          collector base URL (default: AIMS_ENDPOINT; none: the monitor is a no-op)
  --api-key KEY           API key with the ingest scope (default: AIMS_API_KEY)
  --rows N                test-set applicants to serve (default: all 16,281)
  --threshold P           approve when P(income > 50K) >= P (default 0.5)
  --outcome-fraction F    share of decisions whose outcome arrives later (default 0.6)
  --pause-ms MS           the pause standing for days passing before outcomes arrive (default 1000)
  --seed N                seed for which applicants are served and which outcomes arrive (default 42)
  --data DIR              directory holding adult.data and adult.test (default: the repository's data/adult)`

export interface ExampleArgs {
  endpoint: string | undefined
  apiKey: string | undefined
  rows: number | undefined
  threshold: number
  outcomeFraction: number
  pauseMs: number
  seed: number
  dataDir: string
}

/** Reads the command line; flags win over AIMS_ENDPOINT / AIMS_API_KEY. */
export function parseExampleArgs(argv: string[], env: NodeJS.ProcessEnv): ExampleArgs {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        endpoint: { type: 'string' },
        'api-key': { type: 'string' },
        rows: { type: 'string' },
        threshold: { type: 'string' },
        'outcome-fraction': { type: 'string' },
        'pause-ms': { type: 'string' },
        seed: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) throw new UsageError('')
  return {
    endpoint: values.endpoint ?? (env.AIMS_ENDPOINT || undefined),
    apiKey: values['api-key'] ?? (env.AIMS_API_KEY || undefined),
    rows: values.rows === undefined ? undefined : number('--rows', values.rows, 1, 1_000_000, true),
    threshold: values.threshold === undefined ? 0.5 : number('--threshold', values.threshold, 0, 1, false),
    outcomeFraction: values['outcome-fraction'] === undefined ? 0.6 : number('--outcome-fraction', values['outcome-fraction'], 0, 1, false),
    pauseMs: values['pause-ms'] === undefined ? 1000 : number('--pause-ms', values['pause-ms'], 0, 600_000, true),
    seed: values.seed === undefined ? 42 : number('--seed', values.seed, 0, 2 ** 32 - 1, true),
    dataDir: values.data ?? fileURLToPath(new URL('../../../data/adult/', import.meta.url)),
  }
}

function number(flag: string, text: string, min: number, max: number, integer: boolean): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(text)}`)
  }
  return value
}
