import { describe, expect, it } from 'vitest'
import { LOG_LOSS_EPS, brierScore, expectedCalibrationError, logLoss, reliabilityBins } from './index.js'

describe('logLoss', () => {
  it('reproduces the scikit-learn log_loss docstring example (0.21616...)', () => {
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]): classes sorted
    // ham, spam, so column 1 is P(spam).
    const value = logLoss(['spam', 'ham', 'ham', 'spam'], [0.9, 0.1, 0.2, 0.65], { positiveLabel: 'spam' })
    expect(value).toBeCloseTo(0.21616187468057912, 15)
  })

  it('reproduces the scikit-learn user guide example (0.1738...)', () => {
    // log_loss([0, 0, 1, 1], [[.9, .1], [.8, .2], [.3, .7], [.01, .99]])
    expect(logLoss([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.99])).toBeCloseTo(0.1738073366910675, 15)
  })

  it('clips the probability of the observed class to [eps, 1 - eps] with eps = float64 machine epsilon', () => {
    expect(LOG_LOSS_EPS).toBe(2.220446049250313e-16)
    expect(logLoss([1], [0])).toBe(-Math.log(LOG_LOSS_EPS)) // 36.04365338911715, not Infinity
    expect(logLoss([0], [1])).toBe(-Math.log(LOG_LOSS_EPS))
    expect(logLoss([1], [1])).toBe(-Math.log(1 - LOG_LOSS_EPS)) // 2.22e-16, not 0
    expect(logLoss([1], [0])).toBeCloseTo(36.04365338911715, 12)
  })

  it('accepts a single class in yTrue because the positive label is known', () => {
    expect(logLoss([1, 1], [0.5, 0.5])).toBeCloseTo(Math.log(2), 15)
  })

  it('rejects probabilities outside [0, 1] and NaN', () => {
    expect(() => logLoss([1], [1.2])).toThrow(/yProb\[0\].*probability/)
    expect(() => logLoss([1], [Number.NaN])).toThrow(TypeError)
  })
})

describe('brierScore', () => {
  it('reproduces the scikit-learn brier_score_loss docstring example (0.037...)', () => {
    expect(brierScore([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])).toBeCloseTo(0.0375, 15)
    expect(brierScore(['spam', 'ham', 'ham', 'spam'], [0.1, 0.9, 0.8, 0.3], { positiveLabel: 'ham' })).toBeCloseTo(0.0375, 15)
  })
  it('is 1 for confident wrong answers and 0 for confident right ones', () => {
    expect(brierScore([0, 1], [1, 0])).toBe(1)
    expect(brierScore([0, 1], [0, 1])).toBe(0)
  })
})

describe('expected calibration error', () => {
  it('is the count-weighted mean of |accuracy - confidence| over equal-width bins (top-label, Guo et al.)', () => {
    // confidences 0.9, 0.8, 0.7 (predicts negative, correct), 0.6, each alone in its bin and correct
    expect(expectedCalibrationError([1, 1, 0, 1], [0.9, 0.8, 0.3, 0.6])).toBeCloseTo(0.25, 15)
  })

  it('weights bins by count and uses the bin means (hand-checked)', () => {
    // top-label, 10 bins: p 0.95, 0.95 (y 1, 0) → bin (0.9, 1]: conf 0.95, acc 0.5 → |0.45| weight 2
    // p 0.62 (y 1) → bin (0.6, 0.7]: conf 0.62, acc 1 → 0.38 weight 1; total (0.9 + 0.38) / 3
    expect(expectedCalibrationError([1, 0, 1], [0.95, 0.95, 0.62])).toBeCloseTo((2 * 0.45 + 0.38) / 3, 15)
  })

  it('puts a value on an edge in the bin below (intervals (m-1)/M, m/M], and 0 in the first bin)', () => {
    const bins = reliabilityBins([0, 1, 1, 0], [0, 0.3, 0.1, 1], { mode: 'positive-class' })
    expect(bins.map((b) => b.count)).toEqual([2, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    expect(bins[1]).toEqual({ lower: 0.1, upper: 0.2, count: 0, confidence: null, accuracy: null })
    expect(bins[0]?.confidence).toBeCloseTo(0.05, 15)
    expect(bins[0]?.accuracy).toBe(0.5)
  })

  it('in positive-class mode compares the fraction of positives with the mean probability', () => {
    // bin (0.2, 0.3]: p 0.25, 0.25 with one positive → |0.5 - 0.25|; bin (0.7, 0.8]: p 0.8, y 1 → 0.2
    expect(expectedCalibrationError([1, 0, 1], [0.25, 0.25, 0.8], { mode: 'positive-class' })).toBeCloseTo((2 * 0.25 + 0.2) / 3, 15)
  })

  it('takes the number of bins and rejects bad options', () => {
    expect(reliabilityBins([1], [0.5], { bins: 4 })).toHaveLength(4)
    expect(() => reliabilityBins([1], [0.5], { bins: 0 })).toThrow(/bins/)
    expect(() => reliabilityBins([1], [0.5], { mode: 'x' as 'top-label' })).toThrow(/mode/)
  })
})
