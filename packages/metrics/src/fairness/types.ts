// Shapes of a fairness report. Field names follow the issue; nullable numbers always come with a reason.

import type { ConfusionCounts } from '../performance/confusion.js'
import type { Interval } from './wilson.js'

/** The per-group rates, each a proportion with its own denominator. */
export type RateName = 'selectionRate' | 'tpr' | 'fpr' | 'fnr' | 'precision'

/** Rates, by name. */
export type RateRecord<T> = Record<RateName, T>

/** Metrics of one value of the sensitive attribute. */
export interface GroupMetrics {
  /** Rows in the group. */
  count: number
  /** Confusion counts of the group (tp, fp, tn, fn). */
  counts: ConfusionCounts
  /** (tp + fp) / count: share of the group predicted positive. */
  selectionRate: number | null
  /** tp / (tp + fn): true positive rate (recall). */
  tpr: number | null
  /** fp / (fp + tn): false positive rate. */
  fpr: number | null
  /** fn / (tp + fn): false negative rate, 1 − tpr. */
  fnr: number | null
  /** tp / (tp + fp): positive predictive value. */
  precision: number | null
  /** The denominator of each rate (count, tp + fn, fp + tn, tp + fn, tp + fp). */
  denominators: RateRecord<number>
  /** Wilson score interval of each rate, on the rate's own denominator; null when the denominator is 0. */
  intervals: RateRecord<Interval | null>
  /** Why a rate is null (its denominator is 0). */
  reasons: Partial<RateRecord<string>>
  /** True when count < minGroupSize: the group is reported but compared with no other. */
  insufficient: boolean
  /** Rates of a sufficient group left out of comparisons because their denominator is below minGroupSize. */
  insufficientRates: RateName[]
}

/** A group (or one rate of a group) left out of the comparisons, and why. */
export interface ExcludedGroup {
  group: string
  /** 'all' when the whole group is below minGroupSize; otherwise the rate left out. */
  rate: RateName | 'all'
  count: number
  /** The denominator that fell short (count for 'all'). */
  denominator: number
  reason: string
}

/** A disparity between groups, with the groups that give it and its interval. */
export interface Disparity {
  /** The difference (max − min) or ratio (min / max); null with `reason` when undefined. */
  value: number | null
  reason?: string
  /** Which rate(s) it compares. */
  rate: RateName | 'tpr+fpr'
  /** For equalized odds: the rate whose disparity is the worst (the one reported). */
  bindingRate?: 'tpr' | 'fpr'
  /** The groups holding the highest and lowest rate (of the binding rate for equalized odds). */
  maxGroup: string | null
  minGroup: string | null
  /** Groups that took part in the comparison. */
  comparedGroups: string[]
  /**
   * Interval between the two extreme groups: Newcombe's hybrid score interval for differences, MOVER-R
   * for ratios, from the groups' Wilson limits. It is conditional on which groups are extreme (no
   * adjustment for picking them among k groups). Null with `intervalReason` when not computable.
   */
  interval: Interval | null
  intervalReason?: string
}

/** One group under the four-fifths rule. */
export interface FourFifthsGroup {
  selectionRate: number
  /** Selection rate divided by the reference (most selected) group's. */
  ratio: number
  passes: boolean
  /** MOVER-R interval of the ratio; null for the reference group itself. */
  interval: Interval | null
}

/** The four-fifths (80 %) rule of the US Uniform Guidelines on Employee Selection, 29 CFR 1607.4(D). */
export interface FourFifths {
  threshold: 0.8
  /** Lowest ratio of a group's selection rate to the reference group's (= demographicParityRatio). */
  ratio: number | null
  /** True when every compared group's ratio is ≥ 0.8; null with `reason` when it cannot be decided. */
  passes: boolean | null
  reason?: string
  /** The most selected group. */
  referenceGroup: string | null
  byGroup: Record<string, FourFifthsGroup>
  /** Groups below 0.8. */
  failingGroups: string[]
}

/** The names of the disparities in a report. */
export type DisparityName =
  | 'demographicParityDifference'
  | 'demographicParityRatio'
  | 'equalOpportunityDifference'
  | 'equalizedOddsDifference'
  | 'equalizedOddsRatio'
  | 'predictiveParityDifference'

/** A fairness report. The six disparities appear as plain values and, with detail, under `disparities`. */
export interface FairnessReport {
  byGroup: Record<string, GroupMetrics>
  demographicParityDifference: number | null
  demographicParityRatio: number | null
  equalOpportunityDifference: number | null
  equalizedOddsDifference: number | null
  equalizedOddsRatio: number | null
  predictiveParityDifference: number | null
  disparities: Record<DisparityName, Disparity>
  fourFifths: FourFifths
  excludedGroups: ExcludedGroup[]
  /** The settings used, recorded for audit. */
  minGroupSize: number
  confidence: number
  intervalMethod: 'wilson'
}

/** Options shared by {@link FairnessReport} builders. */
export interface FairnessOptions {
  /** Minimum rows in a group, and minimum denominator of a rate, for it to be compared; default 30. */
  minGroupSize?: number
  /** Confidence level of every interval; default 0.95. */
  confidence?: number
}
