import { readFile, writeFile } from 'node:fs/promises'

/** One delayed outcome handed to another process: the prediction it belongs to and the ground truth. */
export interface PendingOutcome {
  predictionId: string
  /** 'approve' when the applicant's income was above 50K (approving was right), else 'deny'. */
  label: 'approve' | 'deny'
}

/** A line of an outcome file that is not a PendingOutcome. */
export class OutcomeFileError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'OutcomeFileError'
  }
}

/** Writes one JSON object per line. */
export async function writeOutcomeFile(file: string, outcomes: readonly PendingOutcome[]): Promise<void> {
  await writeFile(file, outcomes.map((o) => JSON.stringify(o) + '\n').join(''), { mode: 0o600 })
}

/** Reads and checks an outcome file written by writeOutcomeFile (or by anything else). */
export async function readOutcomeFile(file: string): Promise<PendingOutcome[]> {
  const lines = (await readFile(file, 'utf8')).split('\n')
  const outcomes: PendingOutcome[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(lines[i]!)
    } catch (error) {
      throw new OutcomeFileError(file, i + 1, `not JSON: ${(error as Error).message}`)
    }
    const { predictionId, label } = (value ?? {}) as Record<string, unknown>
    if (typeof predictionId !== 'string' || predictionId === '') throw new OutcomeFileError(file, i + 1, 'predictionId must be a non-empty string')
    if (label !== 'approve' && label !== 'deny') throw new OutcomeFileError(file, i + 1, 'label must be "approve" or "deny"')
    outcomes.push({ predictionId, label })
  }
  return outcomes
}
