// The automatic test choice (Evidently's default rule) and the end-to-end column drift check.
import { describe, expect, it } from 'vitest'
import { InsufficientDataError } from '../shared/errors.js'
import { chooseDriftTest, isDrift } from './chooseDriftTest.js'
import { detectDrift } from './detectDrift.js'
import { ksTest } from './ksTest.js'
import { normedWassersteinDistance } from './normedWasserstein.js'

describe('chooseDriftTest', () => {
  const pick = (kind: 'numeric' | 'categorical' | 'binary', referenceSize: number, uniqueValues: number): string =>
    chooseDriftTest({ kind, referenceSize, uniqueValues }).test

  it('follows Evidently’s rule for references of at most 1000 rows', () => {
    expect(pick('numeric', 1000, 6)).toBe('ks')
    expect(pick('numeric', 1000, 5)).toBe('chisquare')
    expect(pick('numeric', 1000, 3)).toBe('chisquare')
    expect(pick('numeric', 1000, 2)).toBe('z')
    expect(pick('categorical', 10, 3)).toBe('chisquare')
    expect(pick('categorical', 10, 2)).toBe('z')
    expect(pick('binary', 10, 2)).toBe('z')
    expect(pick('binary', 10, 1)).toBe('z')
  })

  it('and for references of more than 1000 rows', () => {
    expect(pick('numeric', 1001, 6)).toBe('wasserstein_normed')
    expect(pick('numeric', 1001, 5)).toBe('jensenshannon')
    expect(pick('categorical', 5000, 40)).toBe('jensenshannon')
    expect(pick('binary', 5000, 2)).toBe('jensenshannon')
  })

  it('records thresholds, direction and the rule in words', () => {
    const ks = chooseDriftTest({ kind: 'numeric', referenceSize: 500, uniqueValues: 42 })
    expect(ks).toMatchObject({ score: 'p_value', threshold: 0.05, direction: 'below', inclusive: true })
    expect(ks.rule).toBe('reference 500 rows <= 1000, numeric with 42 distinct values > 5: Kolmogorov-Smirnov p-value, drift when score <= 0.05')
    expect(ks.source).toMatch(/_get_default_stattest/)
    const js = chooseDriftTest({ kind: 'categorical', referenceSize: 2000, uniqueValues: 3 })
    expect(js).toMatchObject({ score: 'distance', threshold: 0.1, direction: 'above', inclusive: true })
    expect(chooseDriftTest({ kind: 'categorical', referenceSize: 20, uniqueValues: 3 })).toMatchObject({ inclusive: false })
  })

  it('isDrift applies each test’s comparison (KS p <= 0.05, chi-square p < 0.05, distance >= 0.1)', () => {
    const ks = chooseDriftTest({ kind: 'numeric', referenceSize: 100, uniqueValues: 50 })
    const chi = chooseDriftTest({ kind: 'categorical', referenceSize: 100, uniqueValues: 5 })
    const wd = chooseDriftTest({ kind: 'numeric', referenceSize: 5000, uniqueValues: 50 })
    expect([isDrift(0.05, ks), isDrift(0.05, chi), isDrift(0.0499, chi)]).toEqual([true, false, true])
    expect([isDrift(0.1, wd), isDrift(0.0999, wd)]).toEqual([true, false])
    expect(() => isDrift(NaN, wd)).toThrow(TypeError)
  })

  it('refuses to choose without data or with an inconsistent description', () => {
    expect(() => chooseDriftTest({ kind: 'numeric', referenceSize: 0, uniqueValues: 1 })).toThrow(/referenceSize/)
    expect(() => chooseDriftTest({ kind: 'numeric', referenceSize: 10, uniqueValues: 0 })).toThrow(/uniqueValues/)
    expect(() => chooseDriftTest({ kind: 'binary', referenceSize: 10, uniqueValues: 3 })).toThrow(/binary/)
    expect(() => chooseDriftTest({ kind: 'text' as 'numeric', referenceSize: 10, uniqueValues: 3 })).toThrow(/kind/)
  })
})

describe('detectDrift', () => {
  const seq = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i))

  it('numeric, small reference: KS, with missing values dropped and counted', () => {
    const reference = [...seq(50, (i) => i), NaN, Infinity]
    const current = [...seq(50, (i) => i + 25), -Infinity]
    const r = detectDrift({ kind: 'numeric', reference, current })
    const ks = ksTest(seq(50, (i) => i), seq(50, (i) => i + 25))
    expect(r).toMatchObject({ score: ks.pValue, statistic: ks.statistic, ksMethod: 'exact', drifted: true })
    expect(r).toMatchObject({ referenceSize: 50, currentSize: 50, referenceMissing: 2, currentMissing: 1, uniqueValues: 75 })
    expect(r.choice.test).toBe('ks')
  })

  it('numeric, large reference: normed Wasserstein', () => {
    const reference = seq(1500, (i) => (i % 100) / 10)
    const current = seq(800, (i) => (i % 100) / 10 + 0.5)
    const r = detectDrift({ kind: 'numeric', reference, current })
    expect(r.choice.test).toBe('wasserstein_normed')
    expect(r.score).toBe(normedWassersteinDistance(reference, current))
    expect(r.drifted).toBe(true)
  })

  it('numeric with few values is treated as categories (chi-square, z-test)', () => {
    expect(detectDrift({ kind: 'numeric', reference: [1, 2, 3, 1, 2, 3], current: [1, 1, 1, 2, 3] }).choice.test).toBe('chisquare')
    // Two values: z-test, with the smaller value (numeric order: 9 before 10) as the "0" level.
    const z = detectDrift({ kind: 'numeric', reference: [9, 9, 9, 10], current: [10, 10, 9] })
    expect(z.choice.test).toBe('z')
    expect(z.statistic).toBeLessThan(0) // reference share of 10 (1/4) < current share (2/3)
  })

  it('categorical: an unseen category makes the chi-square p-value 0 and is named', () => {
    const r = detectDrift({ kind: 'categorical', reference: ['a', 'b', 'c', 'a', null], current: ['a', 'b', 'c', 'd'] })
    expect(r).toMatchObject({ drifted: true, score: 0, statistic: Infinity, unseenCategories: ['d'], referenceMissing: 1 })
  })

  it('categorical, large reference: Jensen-Shannon; binary small: z-test', () => {
    const ref = seq(1200, (i) => ['x', 'y', 'z'][i % 3] as string)
    expect(detectDrift({ kind: 'categorical', reference: ref, current: ['x', 'x', 'y'] }).choice.test).toBe('jensenshannon')
    const b = detectDrift({ kind: 'binary', reference: [true, false, true, true], current: [false, false, true] })
    expect(b.choice.test).toBe('z')
    expect(b.pValue).toBeGreaterThan(0.05)
  })

  it('throws InsufficientDataError when a side has no non-missing value', () => {
    expect(() => detectDrift({ kind: 'numeric', reference: [NaN, Infinity], current: [1] })).toThrow(InsufficientDataError)
    try {
      detectDrift({ kind: 'categorical', reference: ['a'], current: [null, undefined] })
    } catch (e) {
      expect(e).toBeInstanceOf(InsufficientDataError)
      expect((e as InsufficientDataError).input).toBe('current')
    }
    expect(() => detectDrift({ kind: 'numeric', reference: ['1' as unknown as number], current: [1] })).toThrow(TypeError)
  })
})
