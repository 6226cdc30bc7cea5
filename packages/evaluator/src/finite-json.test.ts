import { expect, it } from 'vitest'
import { canonicalJson } from './evaluation-record.js'
import { finiteOrNull, nonFiniteAsText } from './finite-json.js'

it('turns NaN and ±∞ into their text at any depth, so that the record is canonical JSON', () => {
  const breakdown = { items: [{ name: 'cat', value: 0, detail: { statistic: Infinity, dof: 2, bracket: [-Infinity, NaN, 0.5] } }], detail: { when: new Date(0) } }
  expect(() => canonicalJson(breakdown)).toThrow()
  const safe = nonFiniteAsText(breakdown)
  expect(safe).toEqual({ items: [{ name: 'cat', value: 0, detail: { statistic: 'Infinity', dof: 2, bracket: ['-Infinity', 'NaN', 0.5] } }], detail: { when: new Date(0) } })
  expect(() => canonicalJson(nonFiniteAsText({ a: [1, -0, Infinity], b: null, c: 'x', d: true }))).not.toThrow()
})

it('keeps finite values and null, and stores a non-finite value as null', () => {
  expect([1.5, 0, null, NaN, Infinity, -Infinity].map(finiteOrNull)).toEqual([1.5, 0, null, null, null, null])
})
