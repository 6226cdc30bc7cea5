import { parseArgs } from 'node:util'

/** A command line the demo cannot run with; main prints it with the usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const USAGE = `usage: pnpm demo [options]      (node examples/demo/dist/main.js [options])
  --exit-after S     stop after S seconds: exit 0 when a control breached and an alert reached the
                     webhook receiver, 1 otherwise (default: run until Ctrl-C)
  --until-breach     with --exit-after, stop as soon as both have happened (for CI)
  --data DIR         keep the store in DIR (default: a temporary directory, deleted at exit)
  --port P           collector port (default 4318, or a free one when 4318 is taken)
  --speed X          replay speed: simulated days of bike data per second (default 1)`

export interface DemoArgs {
  exitAfterSeconds: number | undefined
  untilBreach: boolean
  dataDir: string | undefined
  port: number | undefined
  /** Simulated bike-sharing days per wall-clock second. */
  speed: number
}

export function parseDemoArgs(argv: string[]): DemoArgs {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        'exit-after': { type: 'string' },
        'until-breach': { type: 'boolean' },
        data: { type: 'string' },
        port: { type: 'string' },
        speed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (values.help) throw new UsageError('')
  if (values['until-breach'] && values['exit-after'] === undefined) throw new UsageError('--until-breach needs --exit-after (the deadline)')
  return {
    exitAfterSeconds: values['exit-after'] === undefined ? undefined : number('--exit-after', values['exit-after'], 1, 86_400, false),
    untilBreach: values['until-breach'] ?? false,
    dataDir: values.data,
    port: values.port === undefined ? undefined : number('--port', values.port, 0, 65_535, true),
    speed: values.speed === undefined ? 1 : number('--speed', values.speed, 0.1, 10, false),
  }
}

function number(flag: string, text: string, min: number, max: number, integer: boolean): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(text)}`)
  }
  return value
}
