/** The official OSV JSON schema (draft 2020-12), compiled once per process. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { InputError } from '../errors/index.js';

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
export function osvSchemaPath(): string | undefined {
  const root = projectRoot();
  const explicit = process.env.GOLDSMITH_OSV_SCHEMA;
  if (explicit && !existsSync(explicit)) throw new InputError('VULN_OSV_SCHEMA_MISSING', `GOLDSMITH_OSV_SCHEMA names ${explicit}, which does not exist`, { where: 'GOLDSMITH_OSV_SCHEMA' });
  const candidates = [explicit, join(root, 'schemas/osv.schema.json'), join(root, '../shared/schemas/osv.schema.json')];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

let validator: ValidateFunction | null | undefined;

/**
 * The official schema's validator, or null where the schema is not on this machine: records are
 * then checked by osvShapeProblem (every field the importer reads) instead.
 */
export function osvValidator(): ValidateFunction | null {
  if (validator !== undefined) return validator;
  const path = osvSchemaPath();
  if (!path) return (validator = null);
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  addFormats(ajv);
  validator = ajv.compile(JSON.parse(readFileSync(path, 'utf8')));
  return validator;
}

/** The first (most specific) schema error as "JSON pointer: message". */
export function firstSchemaError(errors: readonly ErrorObject[] | null | undefined): { path: string; message: string } {
  const e = errors?.[0];
  if (!e) return { path: '', message: 'does not match the OSV schema' };
  const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.slice(0, 6).join(', ')}…)` : e.keyword === 'pattern' ? ` ${JSON.stringify((e.params as { pattern: string }).pattern).slice(0, 80)}` : '';
  return { path: e.instancePath, message: `${e.message ?? 'is invalid'}${extra}` };
}
