// edgesOf: the reference-quantile bin edges of the PSI-like drift metrics. Before ±∞ quantiles
// were left out, an overflowing interpolation (finite neighbours more than the largest double
// apart) made a second +∞ edge, and the bin counts refused the repeated edge: the control failed.
import { expect, it } from 'vitest'
import { binCounts } from '@aims-monitor/metrics'
import { edgesOf } from './drift-profiles.js'

it('opens the outer edges and keeps each finite quantile once', () => {
  expect(edgesOf([1, 2, 2, 3])).toEqual([-Infinity, 1, 2, 3, Infinity])
  expect(edgesOf([])).toEqual([-Infinity, Infinity])
})

it('leaves out NaN and ±∞ quantiles, so the edges are strictly increasing and count every value', () => {
  const edges = edgesOf([NaN, -Infinity, -1.7e308, 0, Infinity, Infinity])
  expect(edges).toEqual([-Infinity, -1.7e308, 0, Infinity])
  expect(binCounts([-1.7e308, 1.7e308, 0, 5], edges).counts).toEqual([0, 1, 3])
})
