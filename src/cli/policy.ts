import type { Command } from 'commander';
import { InputError, NotFoundError } from '../errors/index.js';
import { checkInputShape, readInputText } from '../input/index.js';
import {
  checkResourceDocument,
  compile,
  evaluate,
  functionNames,
  OPERATORS,
  parseDefinition,
  type AssignmentParameters,
  type EvaluationContext,
  type PolicyDefinitionAst,
  type Resource,
} from '../policy/index.js';
import type { CliContext } from './context.js';
import { emit, type OutputOptions } from './output.js';

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readInputText(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError('POLICY_FILE_NOT_FOUND', `${what} file not found: ${file}`, { where: file });
    if (e instanceof InputError) throw e;
    throw new InputError('POLICY_FILE_UNREADABLE', `cannot read ${what} file ${file}: ${(e as Error).message}`, { where: file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('POLICY_JSON_INVALID', `${what} file ${file} is not valid JSON: ${(e as Error).message}`, { where: file });
  }
  // Definitions, resources, parameters and related resources are all walked recursively later.
  checkInputShape(value, file);
  return value;
}

function checkResource(v: unknown, where: string): Resource {
  return checkResourceDocument(v, where);
}

interface EvaluateOptions extends OutputOptions {
  definition: string;
  resource: string;
  parameters?: string;
  related?: string;
  computed?: string;
  now?: string;
  trace?: boolean;
}

function summary(ast: PolicyDefinitionAst): string {
  const params = Object.values(ast.parameters).map((p) => `  ${p.name} (${p.type})${p.defaultValue !== undefined ? ` default ${JSON.stringify(p.defaultValue)}` : ''}`);
  return [`valid: ${ast.displayName ?? ast.name ?? '(unnamed definition)'}`, `mode: ${ast.mode ?? '(not set)'}`, 'parameters:', ...(params.length ? params : ['  (none)'])].join('\n');
}

/** `goldsmith policy evaluate|validate|functions`: offline, pure; nothing touches the store. */
export function registerPolicy(program: Command, _ctx: CliContext): void {
  const policy = program.command('policy').description('Azure Policy definitions: validate them and evaluate them offline against resources');

  policy
    .command('evaluate')
    .description('evaluate one definition against one resource and print the result with its explanation')
    .requiredOption('--definition <file>', 'policy definition JSON (a built-in file or a bare {if, then} rule)')
    .requiredOption('--resource <file>', 'the resource, an ARM JSON document')
    .option('--parameters <file>', 'parameter values in assignment shape: {"name": {"value": ...}}')
    .option('--related <file>', 'JSON array of related resources for auditIfNotExists / deployIfNotExists')
    .option('--computed <file>', "Goldsmith computed facts for the Goldsmith.* aliases, e.g. {\"image\": {\"lifecycle\": \"aged\"}}")
    .option('--now <iso>', 'evaluate as if at this time (utcNow, addDays)')
    .option('--json', 'print one JSON object: applicable, effect, complianceState, reasons, trace…')
    .action(async (opts: EvaluateOptions) => {
      const def = await readJson(opts.definition, 'definition');
      const ast = parseDefinition(def);
      const resource = checkResource(await readJson(opts.resource, 'resource'), opts.resource);
      const params = opts.parameters ? await readJson(opts.parameters, 'parameters') : undefined;
      if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
        throw new InputError('POLICY_PARAMETER_INVALID', 'parameters must be an object {"name": {"value": ...}}', { where: opts.parameters });
      const compiled = compile(ast, params as AssignmentParameters | undefined);
      const context: EvaluationContext = {};
      if (opts.related) {
        const rel = await readJson(opts.related, 'related');
        if (!Array.isArray(rel)) throw new InputError('POLICY_RESOURCE_INVALID', 'related must be a JSON array of resources', { where: opts.related });
        context.related = rel.map((r, i) => checkResource(r, `${opts.related}#/${i}`));
      }
      if (opts.computed) context.computed = (await readJson(opts.computed, 'computed')) as EvaluationContext['computed'];
      if (opts.now) {
        if (Number.isNaN(Date.parse(opts.now))) throw new InputError('POLICY_INPUT_INVALID', `--now ${JSON.stringify(opts.now)} is not an ISO 8601 date-time`, { where: '--now' });
        context.now = opts.now;
      }
      const r = evaluate(compiled, resource, context);
      const out = {
        applicable: r.applicable,
        effect: r.effect.toLowerCase(),
        complianceState: r.complianceState,
        reasons: r.reasons,
        definition: { name: ast.name ?? null, displayName: ast.displayName ?? null, declaredEffect: compiled.effect },
        ...(r.error ? { error: r.error } : {}),
        ...(r.modified ? { modified: r.modified, operations: r.operations } : {}),
        ...(r.conflicts ? { conflicts: r.conflicts } : {}),
        ...(r.related ? { related: r.related } : {}),
        ...(r.remediation ? { remediation: r.remediation } : {}),
        ...(r.actionNames ? { actionNames: r.actionNames } : {}),
        trace: r.trace,
      };
      emit(opts, out, () =>
        [
          `${out.complianceState ?? 'no compliance state'} (effect ${out.effect}, ${out.applicable ? 'if matched' : 'if did not match'})`,
          ...out.reasons.map((x) => `  - ${x}`),
        ].join('\n'),
      );
    });

  policy
    .command('validate <file>')
    .description('parse a definition and report the first problem with its JSON path')
    .option('--json', 'print the parsed summary as JSON')
    .action(async (file: string, opts: OutputOptions) => {
      const ast = parseDefinition(await readJson(file, 'definition'));
      emit(
        opts,
        { valid: true, name: ast.name ?? null, displayName: ast.displayName ?? null, mode: ast.mode ?? null, parameters: Object.values(ast.parameters).map(({ path: _p, ...p }) => p) },
        () => summary(ast),
      );
    });

  policy
    .command('functions')
    .description('list the condition operators and template functions the engine supports')
    .option('--json', 'print as JSON')
    .action((opts: OutputOptions) => {
      const v = { operators: [...OPERATORS], functions: functionNames() };
      emit(opts, v, () => `operators: ${v.operators.join(', ')}\nfunctions: ${v.functions.join(', ')}`);
    });
}
