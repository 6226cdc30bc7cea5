// Exports of the performance family: binary classification metrics as scikit-learn computes them, and
// regression errors. Label handling and argument checks are shared with the fairness family.
export { assertLabel, positivePredicate } from './binary-labels.js'
export type { BinaryLabelOptions, Label, PositivePredicate } from './binary-labels.js'
export { assertConfusionCounts, binaryConfusion } from './confusion.js'
export type { ConfusionCounts } from './confusion.js'
export { accuracy, f1, precision, recall } from './classification.js'
export type { PrecisionRecallOptions, ZeroDivision } from './classification.js'
export { rocAuc } from './roc-auc.js'
export { LOG_LOSS_EPS, brierScore, logLoss } from './probabilistic.js'
export { expectedCalibrationError, reliabilityBins } from './calibration.js'
export type { CalibrationMode, CalibrationOptions, ReliabilityBin } from './calibration.js'
export { meanAbsoluteError, rootMeanSquaredError } from './regression.js'
