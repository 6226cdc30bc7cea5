// Edge cases of Wasserstein, its normed form, and the binning helpers.
import { describe, expect, it } from 'vitest'
import { binCounts } from './binCounts.js'
import { fixedEdges, quantileEdges, sturgesEdges } from './binEdges.js'
import { normedWassersteinDistance, populationStd } from './normedWasserstein.js'
import { wassersteinDistance } from './wasserstein.js'

describe('wassersteinDistance', () => {
  it('is |a - b| for single points and 0 for identical samples', () => {
    expect(wassersteinDistance([2], [5.5])).toBe(3.5)
    expect(wassersteinDistance([1, 2, 2, 3], [3, 2, 1, 2])).toBe(0)
  })

  it('normalises weights (counts work) and treats zero weights as absent', () => {
    expect(wassersteinDistance([0, 10], [0], [1, 0])).toBe(0)
    expect(wassersteinDistance([0, 1], [0, 1], [30, 10], [2, 2])).toBeCloseTo(0.25, 15)
  })

  it('rejects NaN, infinities and bad weights', () => {
    expect(() => wassersteinDistance([1, NaN], [1])).toThrow(TypeError)
    expect(() => wassersteinDistance([1, Infinity], [1])).toThrow(/finite/)
    expect(() => wassersteinDistance([1], [])).toThrow(/v must not be empty/)
    expect(() => wassersteinDistance([1, 2], [1], [1, -1])).toThrow(/uWeights\[1\]/)
    expect(() => wassersteinDistance([1, 2], [1], [0, 0])).toThrow(/positive, finite sum/)
    expect(() => wassersteinDistance([1, 2], [1], [1])).toThrow(/same length/)
  })
})

describe('normedWassersteinDistance', () => {
  it('divides by the population standard deviation (ddof = 0), as np.std', () => {
    expect(populationStd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(1.25), 15)
    expect(normedWassersteinDistance([1, 2, 3, 4], [2, 3, 4, 5])).toBeCloseTo(1 / Math.sqrt(1.25), 15)
  })

  it('floors the norm at 0.001 for a constant reference', () => {
    expect(normedWassersteinDistance([3, 3, 3], [3, 4])).toBeCloseTo(0.5 / 0.001, 9)
    expect(normedWassersteinDistance([3, 3, 3], [3, 3])).toBe(0)
  })
})

describe('binning', () => {
  it('quantileEdges: reference quantiles (numpy linear), deduplicated, open at both ends by default', () => {
    expect(quantileEdges([1, 2, 3, 4, 5], 4)).toEqual([-Infinity, 2, 3, 4, Infinity])
    expect(quantileEdges([1, 2, 3, 4, 5], 4, { openEnds: false })).toEqual([1, 2, 3, 4, 5])
    // np.quantile([1,2,3,4,5,10,10,10,11], [0, .25, .5, .75, 1]) = [1, 3, 5, 10, 11]
    expect(quantileEdges([1, 2, 3, 4, 5, 10, 10, 10, 11], 4, { openEnds: false })).toEqual([1, 3, 5, 10, 11])
    expect(quantileEdges([7, 7, 7], 10)).toEqual([-Infinity, 7, Infinity])
    expect(quantileEdges([7, 7, 7], 10, { openEnds: false })).toEqual([7, 7])
    expect(quantileEdges([1, NaN, 3], 2, { openEnds: false })).toEqual([1, 2, 3])
  })

  it('quantileEdges rejects empty or infinite references and bad bin counts', () => {
    expect(() => quantileEdges([NaN], 4)).toThrow(/non-NaN/)
    expect(() => quantileEdges([1, Infinity], 4)).toThrow(/finite/)
    expect(() => quantileEdges([1, 2], 0)).toThrow(/bins/)
  })

  it('fixedEdges and sturgesEdges follow np.histogram_bin_edges', () => {
    expect(fixedEdges(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(fixedEdges(2, 2, 2)).toEqual([1.5, 2, 2.5])
    expect(() => fixedEdges(2, 1, 2)).toThrow(/min/)
    expect(sturgesEdges([0, 1, 2, 3, 4, 5, 6, 7])).toEqual([0, 1.75, 3.5, 5.25, 7])
    // numpy: histogram_bin_edges(x, 'sturges') for this x
    const x = [0.3, 1.7, 2.2, 9.1, 4.4, 5.0, 3.3, 7.7, 8.8, 6.1, 2.9, 0.05, 4.0, 4.0, 16.0, 1.0]
    expect(sturgesEdges(x)).toEqual([0.05, 3.2399999999999998, 6.43, 9.620000000000001, 12.81, 16.0])
    expect(binCounts(x, sturgesEdges(x)).counts).toEqual([6, 6, 3, 0, 1])
  })

  it('binCounts: [e_i, e_i+1) bins, the last closed, and NaN / out-of-range counted apart', () => {
    expect(binCounts([0.5, 1, 2, 3, NaN, 9, -1], [0, 1, 2, 3])).toEqual({ counts: [1, 1, 2], nan: 1, below: 1, above: 1 })
    expect(binCounts([-Infinity, Infinity, 0], [-Infinity, 0, Infinity])).toEqual({ counts: [1, 2], nan: 0, below: 0, above: 0 })
    expect(binCounts([], [0, 1])).toEqual({ counts: [0], nan: 0, below: 0, above: 0 })
  })

  it('binCounts rejects bad edges', () => {
    expect(() => binCounts([1], [0])).toThrow(/at least 2/)
    expect(() => binCounts([1], [0, 0])).toThrow(/strictly increasing/)
    expect(() => binCounts([1], [0, NaN])).toThrow(TypeError)
    expect(() => binCounts(['a' as unknown as number], [0, 1])).toThrow(TypeError)
  })
})
