export {
  checkInputShape,
  checkInputSize,
  DEFAULT_INPUT_LIMITS,
  describePointer,
  INPUT_CODES,
  inputShapeProblem,
  type InputLimits,
  type ShapeProblem,
} from './input-limits.js';
export { execWithBudget, MAX_USER_REGEX_LENGTH, USER_REGEX_BUDGET_MS, userRegexProblem, type BoundedMatch } from './user-regex.js';
export { cannotRead, MAX_DOCUMENT_BYTES, readInputFile, readInputText } from './read-input.js';
