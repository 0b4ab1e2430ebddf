/**
 * The numeric and label kernels of PromQL's functions, matching Prometheus 2.42 bit for
 * bit where floating point allows. The engine (`src/promql/engine/`) evaluates the
 * arguments, selects the samples of each range window and calls these with plain numbers,
 * points and label sets; nothing here knows about vectors, steps or the AST.
 */
export { extrapolatedRate, extrapolatedRateOf, instantValue, instantValueOf, resets, changes, goDurationSeconds } from './range.js';
export { OVER_TIME, OVER_TIME_OF, OVER_TIME_WINDOWS, quantileOverTime, quantileOverTimeOf, type OverTimeName, type WindowsKernel } from './over-time.js';
export { deriv, predictLinear, holtWinters, holtWintersArgError, formatGoF } from './regression.js';
export { quantile, bucketQuantile, type Bucket } from './quantile.js';
export { MATH, round, clamp, clampEmpty, clampMin, clampMax } from './math.js';
export { TIME_FUNCS, type TimeFuncName } from './time.js';
export {
  labelReplace,
  labelReplacer,
  labelJoin,
  labelJoiner,
  isValidLabelName,
  expandTemplate,
} from './labels.js';
