import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as policy from '../../src/policy/index.js';
import type { EvaluationContext, Resource } from '../../src/policy/index.js';
import { conformanceFile, HAS_CONFORMANCE } from '../support/conformance.js';

/**
 * Conformance cases as data: test/policy/cases/*.json, each an array of
 * {note, definition (inline, or a path under the conformance data's azure-policy/definitions), parameters?,
 *  resource, related?, context?, want: {applicable, effect, complianceState, ...}}.
 */
const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/dist\/$/, '/');
export const CASES_DIR = join(root, 'test/policy/cases');
export const SHARED_DEFINITIONS = conformanceFile('azure-policy/definitions');

export interface Case {
  note: string;
  definition: unknown;
  parameters?: Record<string, { value: unknown }>;
  resource: Resource;
  related?: Resource[];
  context?: EvaluationContext;
  want: {
    applicable?: boolean;
    effect?: string;
    complianceState?: string | null;
    error?: string;
    modified?: unknown;
    reason?: string;
  };
}

/** Every case; without the conformance data, only those whose definition is inline or a Goldsmith built-in. */
export function loadCases(): Array<{ file: string; c: Case }> {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(join(CASES_DIR, file), 'utf8')) as Case[]).map((c) => ({ file, c })))
    .filter(({ c }) => HAS_CONFORMANCE || typeof c.definition !== 'string' || c.definition.startsWith('src:'));
}

/** "src:<export>" names a Goldsmith built-in; any other string is a file under the shared definitions. */
export function definitionOf(c: Case): unknown {
  if (typeof c.definition === 'string' && c.definition.startsWith('src:')) return (policy as unknown as Record<string, unknown>)[c.definition.slice(4)];
  return typeof c.definition === 'string' ? JSON.parse(readFileSync(join(SHARED_DEFINITIONS, c.definition), 'utf8')) : c.definition;
}

