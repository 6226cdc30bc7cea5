// The credit model's building blocks, for other examples (examples/demo replays it in compressed time).
export { readAdult, AdultDataError, type Applicant, type LabeledApplicant } from './adult-data.js'
export { trainCreditModel, type CreditModel } from './credit-model.js'
export { applicantAttributes, applicantFeatures, createCreditService, decisionOf, type CreditDecision, type Decision } from './credit-service.js'
export { MODEL } from './model-identity.js'
export { seededRandom, shuffled } from './random.js'
