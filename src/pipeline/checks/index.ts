export { hygieneChecks, runChecks, secretCheckName } from './run-checks.js';
export type { CheckDeps } from './run-checks.js';
export type { CheckOutcome, CheckResult, CheckStatus } from './check-result.js';
export { describeStat, readFileInRoot, resolveInRoot } from './root-path.js';
export type { RootPath } from './root-path.js';
export { installSection, unitName } from './service-check.js';
export { parseMode } from './file-checks.js';
