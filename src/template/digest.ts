import { createHash } from 'node:crypto';
import type { Template } from './types.js';

/** JSON with object keys sorted at every level and no whitespace: equal values give equal bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
}

/**
 * The template's identity: the normalised model plus the content digest of every file it
 * references, keyed by the path as written, so editing a script changes the digest while moving
 * the template's directory does not.
 */
export function templateDigest(template: Template, fileDigests: ReadonlyMap<string, string>): string {
  const files = Object.fromEntries([...fileDigests].sort(([a], [b]) => (a < b ? -1 : 1)));
  return 'sha256:' + createHash('sha256').update(canonicalJson({ template, files })).digest('hex');
}
