// ProPublica's published COMPAS error rates, reproduced from data/compas/compas-scores-two-years.csv.
//
// Published figures (ProPublica, "How We Analyzed the COMPAS Recidivism Algorithm", 2016, and the
// notebook "Compas Analysis.ipynb" in propublica/compas-analysis, cells 54-57): Black defendants false
// positive rate 44.85 %, false negative rate 27.99 %; white defendants 23.45 % and 47.72 %; all
// defendants 32.35 % false positives, from the table 2681 / 1282 / 1216 / 2035 ("Total pop: 7214").
//
// Population and definitions that reproduce them: that table is computed in the notebook's Python
// section from `pop` (cox-parsed.csv, people with a valid score who either recidivated within 730 days
// or were followed for more than 730 days) — the population that truth_tables.py writes out as
// compas-scores-two-years.csv. So it is ALL 7,214 rows of this file, with no further filter; the
// 6,172-row filter (days_b_screening_arrest within ±30, is_recid != -1, c_charge_degree != 'O',
// score_text != 'N/A') belongs to the notebook's R logistic-regression section and gives 42.34 % / 22.01 %,
// which are not the published rates (checked below). Prediction: score_text is Medium or High
// ("higher risk"); label: two_year_recid = 1; attribute: race ('African-American', 'Caucasian').

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fairnessMetrics } from './index.js'

const CSV = fileURLToPath(new URL('../../../../data/compas/compas-scores-two-years.csv', import.meta.url))

// RFC 4180 fields: commas inside double quotes (c_charge_desc has some), "" as an escaped quote, CRLF.
function parseCsv(text: string): string[][] {
  const out: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      out.push(row)
      row = []
      field = ''
    } else field += ch
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    out.push(row)
  }
  return out
}

interface Defendant {
  race: string
  higherRisk: boolean
  twoYearRecid: number
  daysBScreeningArrest: string
  isRecid: string
  chargeDegree: string
  scoreText: string
}

function loadCompas(): Defendant[] {
  const [header, ...records] = parseCsv(readFileSync(CSV, 'utf8'))
  if (!header) throw new Error('empty CSV')
  // decile_score and priors_count appear twice; the columns read here appear once.
  const col = (name: string): number => {
    const i = header.indexOf(name)
    if (i < 0) throw new Error(`column ${name} missing`)
    return i
  }
  const c = {
    race: col('race'),
    score: col('score_text'),
    recid: col('two_year_recid'),
    days: col('days_b_screening_arrest'),
    isRecid: col('is_recid'),
    degree: col('c_charge_degree'),
  }
  return records.map((r) => {
    if (r.length !== header.length) throw new Error(`row with ${r.length} fields, header has ${header.length}`)
    const scoreText = r[c.score] as string
    return {
      race: r[c.race] as string,
      scoreText,
      higherRisk: scoreText === 'Medium' || scoreText === 'High',
      twoYearRecid: Number(r[c.recid]),
      daysBScreeningArrest: r[c.days] as string,
      isRecid: r[c.isRecid] as string,
      chargeDegree: r[c.degree] as string,
    }
  })
}

const percent = (x: number | null | undefined): string => ((x as number) * 100).toFixed(2)

describe('COMPAS: ProPublica false positive and false negative rates', () => {
  const all = loadCompas()
  const report = fairnessMetrics({
    yTrue: all.map((d) => d.twoYearRecid),
    yPred: all.map((d) => d.higherRisk),
    sensitive: all.map((d) => d.race),
  })

  it('reads all 7,214 rows', () => {
    expect(all).toHaveLength(7214)
    expect(all.every((d) => d.twoYearRecid === 0 || d.twoYearRecid === 1)).toBe(true)
  })

  it('reproduces the published rates for Black defendants: FPR 44.85 %, FNR 27.99 %', () => {
    const black = report.byGroup['African-American']
    // ProPublica's table: Low/High × Survived/Recidivated = 990 805 / 532 1369
    expect(black?.counts).toEqual({ tn: 990, fp: 805, fn: 532, tp: 1369 })
    expect(black?.count).toBe(3696)
    expect(percent(black?.fpr)).toBe('44.85')
    expect(percent(black?.fnr)).toBe('27.99')
    expect(black?.fpr).toBe(805 / 1795)
    expect(black?.fnr).toBe(532 / 1901)
  })

  it('reproduces the published rates for white defendants: FPR 23.45 %, FNR 47.72 %', () => {
    const white = report.byGroup.Caucasian
    expect(white?.counts).toEqual({ tn: 1139, fp: 349, fn: 461, tp: 505 })
    expect(white?.count).toBe(2454)
    expect(percent(white?.fpr)).toBe('23.45')
    expect(percent(white?.fnr)).toBe('47.72')
  })

  it('reproduces the all-defendants table (2681 1282 / 1216 2035, FPR 32.35 %)', () => {
    const overall = fairnessMetrics({
      yTrue: all.map((d) => d.twoYearRecid),
      yPred: all.map((d) => d.higherRisk),
      sensitive: all.map(() => 'all'),
    })
    expect(overall.byGroup.all?.counts).toEqual({ tn: 2681, fp: 1282, fn: 1216, tp: 2035 })
    expect(percent(overall.byGroup.all?.fpr)).toBe('32.35')
  })

  it('does not reproduce them on the 6,172-row filtered population (so that is not what was published)', () => {
    const filtered = all.filter((d) => {
      const days = Number(d.daysBScreeningArrest)
      return d.daysBScreeningArrest !== '' && days >= -30 && days <= 30 && d.isRecid !== '-1' && d.chargeDegree !== 'O' && d.scoreText !== 'N/A'
    })
    expect(filtered).toHaveLength(6172)
    const r = fairnessMetrics({
      yTrue: filtered.map((d) => d.twoYearRecid),
      yPred: filtered.map((d) => d.higherRisk),
      sensitive: filtered.map((d) => d.race),
    })
    expect(percent(r.byGroup['African-American']?.fpr)).toBe('42.34')
    expect(percent(r.byGroup.Caucasian?.fpr)).toBe('22.01')
  })

  it('applies the minimum group size: Native American (18 rows) not compared, Asian TPR/FPR/precision not compared', () => {
    expect(report.byGroup['Native American']).toMatchObject({ count: 18, insufficient: true })
    expect(report.byGroup.Asian).toMatchObject({ count: 32, insufficient: false, insufficientRates: ['tpr', 'fpr', 'fnr', 'precision'] })
    expect(report.disparities.demographicParityDifference.comparedGroups).toEqual(['African-American', 'Asian', 'Caucasian', 'Hispanic', 'Other'])
    expect(report.disparities.equalOpportunityDifference.comparedGroups).toEqual(['African-American', 'Caucasian', 'Hispanic', 'Other'])
  })

  it('gives the disparities as max - min over the compared groups', () => {
    // selection rates: African-American 2174/3696 (highest), Other 79/377 (lowest)
    expect(report.demographicParityDifference).toBeCloseTo(2174 / 3696 - 79 / 377, 15)
    expect(report.demographicParityRatio).toBeCloseTo(79 / 377 / (2174 / 3696), 15)
    // TPR: African-American 1369/1901, Other 43/133; FPR: African-American 805/1795, Other 36/244
    expect(report.equalOpportunityDifference).toBeCloseTo(1369 / 1901 - 43 / 133, 15)
    expect(report.equalizedOddsDifference).toBeCloseTo(1369 / 1901 - 43 / 133, 15)
    expect(report.disparities.equalizedOddsDifference.bindingRate).toBe('tpr')
    expect(report.equalizedOddsRatio).toBeCloseTo(Math.min(43 / 133 / (1369 / 1901), 36 / 244 / (805 / 1795)), 15)
    expect(report.fourFifths).toMatchObject({ referenceGroup: 'African-American', passes: false })
  })
})
