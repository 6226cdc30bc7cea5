import type { MetricContext } from '../metric-context.js'

export type FeatureKind = 'num' | 'str' | 'bool'

/**
 * The column a feature is stored in, in both the current table and the reference. A feature sent
 * with several value kinds over time has several columns (`f:x:num`, `f:x:str`); the one the
 * reference holds decides, else the only one the current table holds.
 */
export function featureColumn(context: MetricContext, feature: string): { column: string; kind: FeatureKind } | { missing: string } {
  const kinds: FeatureKind[] = ['num', 'str', 'bool']
  const inCurrent = kinds.filter((kind) => context.columns.has(`f:${feature}:${kind}`))
  const reference = context.reference
  if (reference) {
    const inReference = kinds.filter((kind) => reference.columns.has(`f:${feature}:${kind}`))
    if (inReference.length === 0) return { missing: `feature ${feature} is not in the reference` }
    const kind = inReference.find((k) => inCurrent.includes(k)) ?? inReference[0]!
    if (!inCurrent.includes(kind)) return { missing: `feature ${feature} has no ${kind} values in the current data` }
    return { column: `f:${feature}:${kind}`, kind }
  }
  if (inCurrent.length === 0) return { missing: `feature ${feature} has never been recorded for this model` }
  if (inCurrent.length > 1) return { missing: `feature ${feature} was recorded as ${inCurrent.join(' and ')}: declare a reference to say which to compare` }
  return { column: `f:${feature}:${inCurrent[0]}`, kind: inCurrent[0]! }
}
