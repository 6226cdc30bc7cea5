import { readFile } from 'node:fs/promises'
import path from 'node:path'

/**
 * One applicant as the credit service receives it: the raw fields of a UCI Adult row (without
 * `fnlwgt`, a census sampling weight, not something an applicant has). Missing values (`?` in the
 * files) are `undefined`. `sex` and `race` are protected attributes: the model never reads them, the
 * monitor records them so fairness can be measured.
 */
export interface Applicant {
  age: number
  workclass: string | undefined
  education: string
  educationNum: number
  maritalStatus: string
  occupation: string | undefined
  relationship: string
  race: string
  sex: string
  capitalGain: number
  capitalLoss: number
  hoursPerWeek: number
  nativeCountry: string | undefined
}

/** An applicant and the ground truth: whether their income was above 50K. */
export interface LabeledApplicant {
  applicant: Applicant
  highIncome: boolean
}

/** A line of the data files that cannot be read. */
export class AdultDataError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`)
    this.name = 'AdultDataError'
  }
}

const COLUMNS = 15

/**
 * Reads `adult.data` (training) or `adult.test` (test) from `dir`. The test file starts with a
 * comment line (`|1x3 Cross validator`) and its labels end in '.'; blank lines end both files.
 */
export async function readAdult(dir: string, which: 'train' | 'test'): Promise<LabeledApplicant[]> {
  const file = path.join(dir, which === 'train' ? 'adult.data' : 'adult.test')
  const text = await readFile(file, 'utf8')
  const rows: LabeledApplicant[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('|')) continue
    rows.push(parseRow(line, file, i + 1))
  }
  return rows
}

function parseRow(line: string, file: string, lineNumber: number): LabeledApplicant {
  const f = line.split(',').map((v) => v.trim())
  if (f.length !== COLUMNS) throw new AdultDataError(file, lineNumber, `expected ${COLUMNS} comma-separated fields, found ${f.length}`)
  const num = (index: number): number => {
    const value = Number(f[index])
    if (!Number.isFinite(value)) throw new AdultDataError(file, lineNumber, `field ${index + 1} is not a number: ${JSON.stringify(f[index])}`)
    return value
  }
  const str = (index: number): string | undefined => (f[index] === '?' ? undefined : f[index])
  const required = (index: number): string => {
    const value = str(index)
    if (!value) throw new AdultDataError(file, lineNumber, `field ${index + 1} is missing`)
    return value
  }
  const label = f[14]!.replace(/\.$/, '')
  if (label !== '>50K' && label !== '<=50K') throw new AdultDataError(file, lineNumber, `unknown income label ${JSON.stringify(f[14])}`)
  return {
    applicant: {
      age: num(0),
      workclass: str(1),
      education: required(3),
      educationNum: num(4),
      maritalStatus: required(5),
      occupation: str(6),
      relationship: required(7),
      race: required(8),
      sex: required(9),
      capitalGain: num(10),
      capitalLoss: num(11),
      hoursPerWeek: num(12),
      nativeCountry: str(13),
    },
    highIncome: label === '>50K',
  }
}
