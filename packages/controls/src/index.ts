// The public API of @aims-monitor/controls, named one by one so that nothing internal leaks out.

export {
  POLICY_API_VERSION,
  controlSchema,
  notifierSchema,
  policySchema,
  type Control,
  type ControlOutcome,
  type Notifier,
  type NotifierType,
  type Policy,
} from './policy-schema.js'
export {
  METRIC_CATALOG,
  METRIC_KINDS,
  metricDefinition,
  type MetricDefinition,
  type MetricKind,
  type MetricName,
  type ThresholdDirection,
} from './metric-catalog.js'
export { durationSchema, formatDuration, parseDuration } from './duration.js'
export {
  FRAMEWORK_NAMES,
  FRAMEWORK_REGISTRY,
  baseReference,
  referenceTitle,
  unknownReferenceMessage,
  type FrameworkDefinition,
  type FrameworkName,
} from './framework-registry.js'
export {
  LIFECYCLE_STAGES,
  RISK_CLASSES,
  applicabilitySchema,
  modelEntrySchema,
  modelRegisterSchema,
  type Applicability,
  type LifecycleStage,
  type ModelEntry,
  type RiskClass,
} from './policy-governance-schema.js'
export { citesReference, frameworkOfReference, isRegistryRow } from './reference-coverage.js'
export { CRON_MODE, cronProblem, timezoneProblem } from './cron.js'
export {
  MAX_POLICY_FILE_BYTES,
  PolicyFileError,
  controlHash,
  loadPolicy,
  loadPolicyFile,
  type PolicyLoadResult,
  type PolicyLoaded,
  type PolicyRejected,
} from './load-policy.js'
export { formatProblems, sortProblems, type PolicyProblem } from './policy-problem.js'
export { policyErrorMap } from './policy-issues.js'
export { canonicalJson, sha256Hex } from './canonical-json.js'
