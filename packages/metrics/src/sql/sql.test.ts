import { describe, expect, it } from 'vitest'
import { binCountsFromRows, psiCountsOf } from './bin-counts.js'
import { categoryCountsFromRows } from './category-counts.js'
import { confusionByGroupFromRows, fairnessGroupsOf } from './confusion-by-group.js'
import { fineBinIndex, fineGrid, fineHistogramFromCells, fineHistogramFromRows, fineHistogramOf } from './fine-histogram.js'
import { ksFromFineHistograms, wassersteinFromFineHistograms } from './histogram-distances.js'
import { hourlyRangeParts } from './hourly-range-parts.js'
import { assertTableExpression, qualifiedTable, quoteIdentifier, splitQualifiedTable } from './identifiers.js'
import { missingRatesFromRows } from './missing-rates.js'
import { numericSummaryFromRows } from './numeric-summary.js'
import { ParamBag, epochMsToDateTime64Param, float64Bits } from './params.js'
import { clickHouseQuantileExact, clickHouseQuantileExactInclusive, quantilesFromRows } from './quantiles.js'
import { volumeFromRows } from './volume.js'

// The engine-free half of the SQL family: quoting, binding, reading rows and the histogram bounds.
// The statements themselves run against chDB in test/metrics-sql.test.ts.

describe('identifiers and parameters', () => {
  it('quotes like the store and accepts only table-shaped expressions', () => {
    expect(quoteIdentifier('f:age:num')).toBe('`f:age:num`')
    expect(quoteIdentifier('a`b\\c')).toBe('`a\\`b\\\\c`')
    expect(() => quoteIdentifier('')).toThrow(TypeError)
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/control character/)
    expect(assertTableExpression(qualifiedTable('aims', 'we`ird'), 't')).toBe('`aims`.`we\\`ird`')
    expect(assertTableExpression('aims.outcomes', 't')).toBe('aims.outcomes')
    for (const bad of ['a; DROP TABLE b', '`a`.`b`.`c`', '(SELECT 1)', '`a` AS b', '']) expect(() => assertTableExpression(bad, 'table')).toThrow(/table/)
    // Split back into its names, escapes undone: the inverse of qualifiedTable.
    expect(splitQualifiedTable(qualifiedTable('aims', 'we`ird\\t'))).toEqual({ database: 'aims', table: 'we`ird\\t' })
    for (const other of ['aims.outcomes', '`outcomes`', '`a`.`b`.`c`', '`a`.b']) expect(splitQualifiedTable(other)).toBeNull()
  })

  it('splits a window into whole hours (a rollup) and the cut parts at its ends (raw rows)', () => {
    const hour = 3_600_000
    const bag = new ParamBag()
    const cut = hourlyRangeParts({ from: 10 * hour + 1800_000, to: 13 * hour + 1 }, bag, true)
    expect(cut.hours).toBe('hour >= toDateTime({whole_from_s:Int64}) AND hour < toDateTime({whole_to_s:Int64})')
    expect(cut.rawWhere).toBe('(ts >= {piece_from:DateTime64(3)} AND ts < {piece_to:DateTime64(3)}) OR (ts >= {piece_from_1:DateTime64(3)} AND ts < {piece_to_1:DateTime64(3)})')
    expect(bag.values).toEqual({ whole_from_s: 11 * 3600, whole_to_s: 13 * 3600, piece_from: '37800.000', piece_to: '39600.000', piece_from_1: '46800.000', piece_to_1: '46800.001' })
    expect(hourlyRangeParts({ from: 10 * hour, to: 12 * hour }, new ParamBag(), true).rawWhere).toBeNull()
    // Inside one hour, or without a rollup: all raw.
    expect(hourlyRangeParts({ from: 10 * hour + 1, to: 11 * hour - 1 }, new ParamBag(), true).hours).toBeNull()
    const off = hourlyRangeParts({ from: 10 * hour, to: 12 * hour }, new ParamBag(), false)
    expect(off.hours).toBeNull()
    expect(off.rawWhere).toMatch(/^\(ts >= /)
  })

  it('binds readable unique names, doubles bit for bit and times as Unix timestamps', () => {
    const bag = new ParamBag()
    expect(bag.bind('edge', 'Float64', 1)).toBe('{edge:Float64}')
    expect(bag.bind('edge', 'Float64', 2)).toBe('{edge_1:Float64}')
    expect(bag.float64('lo', 0.1)).toBe('reinterpretAsFloat64({lo:UInt64})')
    expect(bag.values).toEqual({ edge: 1, edge_1: 2, lo: float64Bits(0.1) })
    expect(() => bag.bind('a b', 'String', 'x')).toThrow(TypeError)
    expect(float64Bits(1)).toBe('4607182418800017408')
    expect(float64Bits(-Infinity)).toBe('18442240474082181120')
    expect(epochMsToDateTime64Param(1700000000123, 'from')).toBe('1700000000.123')
    expect(epochMsToDateTime64Param(5, 'from')).toBe('0.005')
    expect(() => epochMsToDateTime64Param(1.5, 'from')).toThrow(/from/)
  })
})

describe('reading rows', () => {
  it('differences cumulative bin counts and refuses what does not add up', () => {
    const row = { ge_0: '9', ge_1: '4', gt_2: '1', nan: '2', total: '12' }
    expect(binCountsFromRows([row], [0, 1, 2])).toEqual({ edges: [0, 1, 2], counts: [5, 3], below: 1, above: 1, nan: 2, total: 12 })
    expect(() => binCountsFromRows([{ ...row, ge_1: '10' }], [0, 1, 2])).toThrow(RangeError)
    expect(() => binCountsFromRows([{ ...row, nan: 'x' }], [0, 1, 2])).toThrow(/nan/)
    expect(() => binCountsFromRows([], [0, 1, 2])).toThrow(/one row/)
    expect(() => psiCountsOf(binCountsFromRows([row], [0, 1, 2]))).toThrow(/below/)
  })

  it('reads categories, confusion, quantiles, summaries, missing rates and volume', () => {
    const categories = categoryCountsFromRows(
      [{ kind: 'kept', category: '__proto__', n: '5', categories: '1' }, { kind: 'other', category: '', n: '2', categories: '3' }, { kind: 'missing', category: '', n: '1', categories: '1' }],
      ['__proto__', 'south'],
    )
    expect(categories).toEqual({ counts: { ['__proto__']: 5, south: 0 }, other: 2, otherCategories: 3, missing: 1, total: 8 })
    expect(Object.getPrototypeOf(categories.counts)).toBe(Object.prototype)

    const confusion = confusionByGroupFromRows([
      { grp: 'f', tp: '3', fp: '1', tn: '4', fn: '2', predictions: '20', labelled: '10' },
      { grp: '', tp: 0, fp: 0, tn: 1, fn: 0, predictions: 1, labelled: 1 },
    ])
    expect(confusion.byGroup.f).toEqual({ tp: 3, fp: 1, tn: 4, fn: 2, predictions: 20, labelled: 10, coverage: 0.5 })
    expect(confusion.overall).toMatchObject({ tn: 5, predictions: 21, labelled: 11 })
    expect(fairnessGroupsOf(confusion)).toEqual({ f: { tp: 3, fp: 1, tn: 4, fn: 2 } })
    expect(Object.keys(fairnessGroupsOf(confusion, { includeMissing: true }))).toEqual(['f', ''])
    expect(() => confusionByGroupFromRows([{ grp: 'f', tp: 1, fp: 0, tn: 0, fn: 0, predictions: 1, labelled: 2 }])).toThrow(RangeError)

    expect(quantilesFromRows([{ q: [null, null], count: '0', nan: '3', infinite: '0' }], [0, 1]).values).toEqual([NaN, NaN])
    expect(() => quantilesFromRows([{ q: [1], count: '1', nan: '0', infinite: '0' }], [0, 1])).toThrow(/q/)
    expect(numericSummaryFromRows([{ count: '0', min: 0, max: 0, mean: null, std: null, nan: '3', pos_inf: '0', neg_inf: '0', total: '3' }]).min).toBeNaN()
    expect(missingRatesFromRows([{ total: '0', missing_0: '0' }], [{ column: 'f:a:num', kind: 'num' }]).byColumn['f:a:num']).toEqual({ missing: 0, rate: 0 })
    expect(volumeFromRows([{ start: '1000', predictions: '4', errors: '1' }], { from: 500, to: 2500 }, 1000)).toEqual([
      { start: 0, predictions: 0, errors: 0 }, { start: 1000, predictions: 4, errors: 1 }, { start: 2000, predictions: 0, errors: 0 },
    ])
  })
})

describe('quantile definitions', () => {
  it("follow ClickHouse's arithmetic", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i)
    expect(clickHouseQuantileExact(sorted, 0.29)).toBe(28) // 0.29 * 100 = 28.999999999999996
    expect(clickHouseQuantileExact([1, 2, 3, 4], 0.5)).toBe(3)
    expect(clickHouseQuantileExact([1, 2, 3, 4], 1)).toBe(4)
    expect(clickHouseQuantileExactInclusive([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(clickHouseQuantileExactInclusive([1, 2, 3, 4], 1)).toBe(4)
    expect(() => clickHouseQuantileExact([], 0.5)).toThrow(RangeError)
  })
})

describe('fine histograms', () => {
  it('bins the ends into the grid and the rest apart', () => {
    const grid = fineGrid(0, 1, 4)
    expect([0, 0.25, 0.999, 1, -0.1, 1.1, NaN].map((x) => fineBinIndex(x, grid))).toEqual([0, 1, 3, 3, -1, 4, -2])
    expect(fineBinIndex(7, fineGrid(7, 7, 8))).toBe(0) // one point: everything in bin 0
    expect(() => fineGrid(0, Infinity)).toThrow(RangeError)
    expect(() => fineGrid(-Number.MAX_VALUE, Number.MAX_VALUE)).toThrow(/overflows/)
    expect(fineHistogramFromRows([{ bin: -2, n: '1' }, { bin: 0, n: '3' }], fineGrid(0, 1, 2))).toMatchObject({ nan: 1, total: 4 })
    expect(() => fineHistogramFromRows([{ bin: 9, n: '1' }], fineGrid(0, 1, 2))).toThrow(/grid/)
  })

  it('reads the cells of a profile statement (NaN, underflow, bins, overflow) as the rows of the GROUP BY statement', () => {
    const grid = fineGrid(0, 1, 2)
    const fromCells = fineHistogramFromCells(['1', 0, '3', '0', '2'], grid)
    expect(fromCells).toEqual(fineHistogramFromRows([{ bin: -2, n: '1' }, { bin: 0, n: '3' }, { bin: 2, n: '2' }], grid))
    expect(fromCells).toMatchObject({ nan: 1, underflow: 0, overflow: 2, total: 6 })
    expect(() => fineHistogramFromCells(['1', '0', '3'], grid)).toThrow(/expected 5 cells, got 3/)
    expect(() => fineHistogramFromCells(['1', '0', '-3', '0', '0'], grid)).toThrow(/cell 2 is not a count/)
  })

  it('brackets KS and Wasserstein, exactly when each bin holds one value', () => {
    const grid = fineGrid(0, 4, 4)
    const a = fineHistogramOf([0.5, 1.5], grid)
    const b = fineHistogramOf([2.5, 3.5], grid)
    const ks = ksFromFineHistograms(a, b)
    expect(ks).toMatchObject({ value: 1, lower: 1, upper: 1, maxError: 0, n1: 2, n2: 2 })
    const w = wassersteinFromFineHistograms(a, b)
    expect(w.lower).toBeLessThanOrEqual(2)
    expect(w.upper).toBeGreaterThanOrEqual(2) // exact: every value moves by 2
    expect(w.value).toBeCloseTo(2, 12) // values at bin centres: the linear CDF is exact in the mean
    expect(w.maxError).toBeLessThanOrEqual((2 * 4) / 4)
    expect(() => ksFromFineHistograms(a, fineHistogramOf([1], fineGrid(0, 4, 8)))).toThrow(/same grid/)
    expect(() => wassersteinFromFineHistograms(a, fineHistogramOf([5], grid))).toThrow(/outside the grid/)
    expect(() => ksFromFineHistograms(a, fineHistogramOf([NaN], grid))).toThrow(RangeError)
  })
})
