export { scanSecrets, scanSecretsDetailed } from './scan-secrets.js';
export type { ScanOptions, ScanStats, SecretFinding } from './scan-secrets.js';
export { isAllowlisted } from './allowlist.js';
export { CONTENT_RULES } from './content-rules.js';
export { AptPackageArchive, debFileDigests, type PackageArchive } from './package-archive.js';
export type { PackageRef } from './package-files.js';
