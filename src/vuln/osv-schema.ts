/** The official OSV JSON schema (draft 2020-12), compiled once per process. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { GoldsmithError } from '../errors/index.js';

// ajv-formats is CommonJS: under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

/** The project root, from src/ (tsx) or dist/src/ (compiled). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dir !== dirname(dir)) dir = dirname(dir);
  return dir;
}

/**
 * The schema is read where the project keeps it, never re-typed: GOLDSMITH_OSV_SCHEMA, the project's
 * schemas/ folder, or the shared developer folder beside the checkout.
 */
export function osvSchemaPath(): string {
  const root = projectRoot();
  const candidates = [process.env.GOLDSMITH_OSV_SCHEMA, join(root, 'schemas/osv.schema.json'), join(root, '../shared/schemas/osv.schema.json')];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) {
    throw new GoldsmithError('VULN_OSV_SCHEMA_MISSING', 'internal', `the OSV schema was not found (looked at ${candidates.filter(Boolean).join(', ')}); set GOLDSMITH_OSV_SCHEMA`);
  }
  return found;
}

let validator: ValidateFunction | undefined;

export function osvValidator(): ValidateFunction {
  if (validator) return validator;
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  addFormats(ajv);
  validator = ajv.compile(JSON.parse(readFileSync(osvSchemaPath(), 'utf8')));
  return validator;
}

/** The first (most specific) schema error as "JSON pointer: message". */
export function firstSchemaError(errors: readonly ErrorObject[] | null | undefined): { path: string; message: string } {
  const e = errors?.[0];
  if (!e) return { path: '', message: 'does not match the OSV schema' };
  const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.slice(0, 6).join(', ')}…)` : e.keyword === 'pattern' ? ` ${JSON.stringify((e.params as { pattern: string }).pattern).slice(0, 80)}` : '';
  return { path: e.instancePath, message: `${e.message ?? 'is invalid'}${extra}` };
}
