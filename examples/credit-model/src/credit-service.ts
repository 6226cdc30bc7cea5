import type { FieldMap, Monitor } from '@aims-monitor/sdk'
import type { Applicant } from './adult-data.js'
import type { CreditModel } from './credit-model.js'

export type Decision = 'approve' | 'deny'

export function decisionOf(score: number, threshold: number): Decision {
  return score >= threshold ? 'approve' : 'deny'
}

/**
 * The declared features: the raw applicant fields the model is given (not its one-hot vector, which
 * is an implementation detail that changes with every retraining). Missing values are left out.
 * No `sex`, no `race`: the model does not read them.
 */
export function applicantFeatures(a: Applicant): FieldMap {
  return {
    age: a.age,
    workclass: a.workclass,
    education: a.education,
    education_num: a.educationNum,
    marital_status: a.maritalStatus,
    occupation: a.occupation,
    relationship: a.relationship,
    capital_gain: a.capitalGain,
    capital_loss: a.capitalLoss,
    hours_per_week: a.hoursPerWeek,
    native_country: a.nativeCountry,
  }
}

/** The protected attributes, recorded so that fairness can be measured per group. */
export function applicantAttributes(a: Applicant): FieldMap {
  return { sex: a.sex, race: a.race }
}

export interface CreditDecision {
  decision: Decision
  score: number
  /** Keep it with the application: the outcome is attached to it, days later. */
  predictionId: string
}

/**
 * A credit decisioning service: approve when P(income > 50K) >= threshold. The model call is the
 * one instrumented line (`monitor.wrapWithId`); the decision and the model's timing are untouched.
 */
export function createCreditService(model: CreditModel, monitor: Monitor, threshold: number): { decide(applicant: Applicant): CreditDecision } {
  const scoreWithId = monitor.wrapWithId(model.predict, {
    features: applicantFeatures,
    attributes: applicantAttributes,
    output: (score) => ({ label: decisionOf(score, threshold), score }),
  })
  return {
    decide(applicant) {
      const { result: score, predictionId } = scoreWithId(applicant)
      return { decision: decisionOf(score, threshold), score, predictionId }
    },
  }
}
