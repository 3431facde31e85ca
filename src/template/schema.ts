import { createRequire } from 'node:module';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { fieldName, pointerOf, problem, segmentsOf, TEMPLATE_CODES, type Problem } from './problems.js';

const require = createRequire(import.meta.url);

/**
 * The published schema is the JSON file in schemas/; it is read, not copied, so the file users point
 * their editors at and the one the loader enforces cannot differ. The path works from src/ (tsx) and
 * from dist/src/ (compiled), which sit at different depths below the project root.
 */
function readSchema(): Record<string, unknown> {
  for (const rel of ['../../schemas/template.schema.json', '../../../schemas/template.schema.json']) {
    try {
      return require(rel) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    }
  }
  throw new Error('schemas/template.schema.json not found next to the goldsmith sources');
}

export const templateSchema: Readonly<Record<string, unknown>> = readSchema();

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  // strictRequired is off because `oneOf: [{required: [inline]}, {required: [script]}]` names
  // properties declared by the enclosing schema, which is plain JSON Schema but trips ajv's lint.
  validator ??= new Ajv2020({ allErrors: true, strict: true, strictRequired: false, useDefaults: true, verbose: true }).compile(
    templateSchema,
  );
  return validator;
}

/** Validate (and fill schema defaults into) a template document; every violation becomes a Problem. */
export function validateAgainstSchema(doc: unknown): Problem[] {
  const validate = compiled();
  if (validate(doc)) return [];
  return describeErrors(validate.errors ?? []);
}

/** Turn ajv's errors into one message per real mistake, named by field. */
export function describeErrors(errors: ErrorObject[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const oneOfAt = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errors) {
    // `if` only reports that its `then` failed; the `then` errors themselves are listed separately.
    if (e.keyword === 'if') continue;
    // oneOf's branch errors are restated once by the oneOf error itself.
    if (e.keyword === 'required' && oneOfAt.has(e.instancePath) && /\/oneOf\/\d+\/required$/.test(e.schemaPath)) continue;
    const p = describe(e);
    const key = `${p.pointer}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function describe(e: ErrorObject): Problem {
  const at = e.instancePath;
  const field = fieldName(at);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return problem(TEMPLATE_CODES.invalid, at, `${field} is missing required field "${missing}"`);
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const ptr = pointerOf([...segmentsOf(at), extra]);
      return problem(TEMPLATE_CODES.invalid, ptr, `${fieldName(ptr)}: unknown field "${extra}"`);
    }
    case 'dependentRequired':
      return problem(TEMPLATE_CODES.invalid, at, `${field}: "${String(params.property)}" needs "${String(params.missingProperty)}" as well`);
    case 'oneOf': {
      const names = ((e.schema as Array<{ required?: string[] }>) ?? []).flatMap((s) => s.required ?? []);
      const both = Array.isArray(params.passingSchemas);
      const list = names.map((n) => `"${n}"`).join(' or ');
      return problem(TEMPLATE_CODES.invalid, at, both ? `${field}: give only one of ${list}, not both` : `${field} needs ${list}`);
    }
    case 'enum':
      return problem(TEMPLATE_CODES.invalid, at, `${field} must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`);
    case 'const':
      return problem(TEMPLATE_CODES.invalid, at, `${field} must be ${JSON.stringify(params.allowedValue)}`);
    case 'type':
      return problem(TEMPLATE_CODES.invalid, at, `${field} must be ${article(String(params.type))}`);
    case 'minItems':
      return problem(TEMPLATE_CODES.invalid, at, `${field} must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
    case 'pattern':
      return problem(TEMPLATE_CODES.invalid, at, `${field} ${patternMeaning(e.schemaPath, String(params.pattern))} (got ${JSON.stringify(e.data)})`);
    default:
      return problem(TEMPLATE_CODES.invalid, at, `${field} ${e.message ?? 'is invalid'}`);
  }
}

function patternMeaning(schemaPath: string, pattern: string): string {
  if (schemaPath.includes('/sha256/')) return 'must be a sha256: 64 hexadecimal characters';
  if (schemaPath.includes('/identifier/')) return "must start with a letter or digit and contain only letters, digits, '.', '_' and '-'";
  if (schemaPath.includes('/mode/')) return 'must be an octal mode such as "0644"';
  if (schemaPath.includes('endOfLifeDate')) return 'must be an ISO date such as "2027-12-31"';
  return `must match ${pattern}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
