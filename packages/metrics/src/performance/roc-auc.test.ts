import { wilcoxonRankSum } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { rocAuc } from './index.js'

// Independent definition: the fraction of (positive, negative) pairs ranked correctly, ties counting 1/2.
function pairwiseAuc(yTrue: number[], yScore: number[]): number {
  let wins = 0
  let pairs = 0
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] !== 1) continue
    for (let j = 0; j < yTrue.length; j++) {
      if (yTrue[j] !== 0) continue
      pairs++
      const a = yScore[i] as number
      const b = yScore[j] as number
      wins += a > b ? 1 : a === b ? 0.5 : 0
    }
  }
  return wins / pairs
}

describe('rocAuc', () => {
  it('reproduces scikit-learn roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75)
  })

  it('counts a tied positive-negative pair as one half (the trapezoid over a tied threshold)', () => {
    // pairs: .5>.1, .5=.5 (1/2), .7>.1, .7>.5, .2>.1, .2<.5 → 4.5 / 6
    expect(rocAuc([0, 0, 1, 1, 1], [0.1, 0.5, 0.5, 0.7, 0.2])).toBe(0.75)
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5)
    expect(rocAuc([0, 1], [0, 1])).toBe(1)
    expect(rocAuc([1, 0], [0, 1])).toBe(0)
  })

  it('equals the pairwise definition on data with many ties', () => {
    let seed = 42
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const yTrue: number[] = []
    const yScore: number[] = []
    for (let i = 0; i < 400; i++) {
      yTrue.push(next() < 0.4 ? 1 : 0)
      yScore.push(Math.round(next() * 20) / 20) // 21 distinct values: many ties
    }
    expect(rocAuc(yTrue, yScore) as number).toBeCloseTo(pairwiseAuc(yTrue, yScore), 14)
  })

  it('equals the Mann-Whitney U from simple-statistics wilcoxonRankSum (average ranks for ties)', () => {
    let seed = 7
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed / 2147483648
    }
    const yTrue: number[] = []
    const yScore: number[] = []
    for (let i = 0; i < 5000; i++) {
      yTrue.push(next() < 0.3 ? 1 : 0)
      yScore.push(Math.round(next() * 50) / 50 - 0.5) // negative scores too, and ties
    }
    const positives = yScore.filter((_, i) => yTrue[i] === 1)
    const negatives = yScore.filter((_, i) => yTrue[i] === 0)
    const u = wilcoxonRankSum(positives, negatives) - (positives.length * (positives.length + 1)) / 2
    expect(rocAuc(yTrue, yScore) as number).toBeCloseTo(u / (positives.length * negatives.length), 14)
  })

  it('works with string labels and an explicit positive label', () => {
    expect(rocAuc(['no', 'no', 'yes', 'yes'], [0.1, 0.4, 0.35, 0.8], { positiveLabel: 'yes' })).toBe(0.75)
  })

  it('returns null when yTrue has one class (undefined area; scikit-learn warns and returns NaN)', () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.3, 0.4])).toBeNull()
    expect(rocAuc([0, 0], [0.2, 0.3])).toBeNull()
  })

  it('rejects non-finite scores and mismatched lengths', () => {
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/yScore\[1\]/)
    expect(() => rocAuc([0, 1], [0.1])).toThrow(RangeError)
  })
})
