export { AliasRegistry, DEFAULT_ALIAS_TABLES, defaultAliases, parsePath, type FieldPath, type ResolvedField } from './alias-registry.js';
export type { AliasEntry, AliasTable, OpenAliasFamily } from './alias-table.js';
export { GOLDSMITH_IMAGE_FIELDS } from './goldsmith.js';
