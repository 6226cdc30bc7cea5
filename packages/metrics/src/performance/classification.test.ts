import { describe, expect, it } from 'vitest'
import { accuracy, binaryConfusion, f1, precision, recall } from './index.js'

describe('binaryConfusion', () => {
  it('matches scikit-learn confusion_matrix([0, 1, 0, 1], [1, 1, 1, 0]).ravel() = (0, 2, 1, 1)', () => {
    expect(binaryConfusion([0, 1, 0, 1], [1, 1, 1, 0])).toEqual({ tn: 0, fp: 2, fn: 1, tp: 1 })
  })

  it('reads 1/true/"1" as positive and 0/-1/false/"0"/"-1" as negative by default, mixed types alike', () => {
    expect(binaryConfusion([true, '1', 1, false, '0', -1], [1, true, '0', '-1', 0, true])).toEqual({ tp: 2, fn: 1, tn: 2, fp: 1 })
  })

  it('refuses labels it cannot read without positiveLabel, naming the element', () => {
    expect(() => binaryConfusion(['yes', 'no'], ['yes', 'yes'])).toThrow(/yTrue\[0\].*positiveLabel/)
  })

  it('with positiveLabel compares with === and treats every other label as negative', () => {
    expect(binaryConfusion(['a', 'b', 'c'], ['a', 'a', 'b'], { positiveLabel: 'a' })).toEqual({ tp: 1, fp: 1, tn: 1, fn: 0 })
    // 1 is not '1' once the positive label is explicit
    expect(binaryConfusion([1, '1'], [1, 1], { positiveLabel: 1 })).toEqual({ tp: 1, fp: 1, tn: 0, fn: 0 })
  })

  it('rejects empty, unequal and non-label input with errors naming the argument', () => {
    expect(() => binaryConfusion([], [])).toThrow(RangeError)
    expect(() => binaryConfusion([1, 0], [1])).toThrow(/yTrue and yPred must have the same length/)
    expect(() => binaryConfusion([1, Number.NaN], [1, 0])).toThrow(/yTrue\[1\]/)
    expect(() => binaryConfusion([1, 0], [1, null as unknown as number])).toThrow(TypeError)
  })
})

describe('accuracy', () => {
  it('reproduces scikit-learn accuracy_score([0, 1, 2, 3], [0, 2, 1, 3]) = 0.5', () => {
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5)
  })
  it('compares string labels exactly', () => {
    expect(accuracy(['cat', 'dog', 'cat'], ['cat', 'dog', 'Cat'])).toBeCloseTo(2 / 3, 15)
  })
})

describe('precision, recall, F1', () => {
  // tp = 2, fp = 1, fn = 2, tn = 1 → precision 2/3, recall 1/2, F1 = 4 / (4 + 1 + 2) = 4/7
  const yTrue = [1, 1, 1, 1, 0, 0]
  const yPred = [1, 1, 0, 0, 1, 0]

  it('are tp/(tp+fp), tp/(tp+fn) and 2tp/(2tp+fp+fn) on a hand-checked case', () => {
    expect(precision(yTrue, yPred)).toBeCloseTo(2 / 3, 15)
    expect(recall(yTrue, yPred)).toBe(0.5)
    expect(f1(yTrue, yPred)).toBeCloseTo(4 / 7, 15)
  })

  it('follow scikit-learn zero_division: 0 by default, 1 or null on request', () => {
    // scikit-learn docs: f1_score([0]*6, [0]*6) = 0.0; zero_division=1.0 → 1.0; zero_division=np.nan → nan
    const zeros = [0, 0, 0, 0, 0, 0]
    expect(f1(zeros, zeros)).toBe(0)
    expect(f1(zeros, zeros, { zeroDivision: 1 })).toBe(1)
    expect(f1(zeros, zeros, { zeroDivision: null })).toBeNull()
    expect(precision([1, 1], [0, 0])).toBe(0)
    expect(precision([1, 1], [0, 0], { zeroDivision: null })).toBeNull()
    expect(recall([0, 0], [1, 0], { zeroDivision: 1 })).toBe(1)
  })

  it('give F1 = 0, not zero_division, when only precision is undefined (scikit-learn >= 1.3)', () => {
    expect(f1([1, 1], [0, 0], { zeroDivision: 1 })).toBe(0)
  })

  it('reject an invalid zeroDivision', () => {
    expect(() => f1([1], [1], { zeroDivision: 2 as unknown as 1 })).toThrow(/zeroDivision/)
  })
})
