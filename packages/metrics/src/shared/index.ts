// Numeric helpers shared by the statistics families (internal: imported by relative path, not part of
// the package's public API).
export { assertInteger, assertNonEmptyArray, assertNonNegative, assertNumbers, assertSameLength } from './validate.js'
export type { NumericArray } from './validate.js'
export { pairwiseSum } from './pairwiseSum.js'
export { roundHalfEven } from './roundHalfEven.js'
export { safeDivide } from './safeDivide.js'
export { chiSquareSurvival } from './chiSquareSurvival.js'
export { quantileSorted } from './quantile.js'
export { InsufficientDataError } from './errors.js'
