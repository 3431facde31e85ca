export { scanSecrets, scanSecretsDetailed } from './scan-secrets.js';
export type { ScanOptions, ScanStats, SecretFinding } from './scan-secrets.js';
export { SKIPPED_TREES, isAllowlisted } from './allowlist.js';
export { CONTENT_RULES } from './content-rules.js';
