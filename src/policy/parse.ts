import { InputError } from '../errors/index.js';
import { checkInputShape, DEFAULT_INPUT_LIMITS } from '../input/index.js';
import { EFFECTS, PARAMETER_TYPES, type EffectName, type ParameterDefinition, type ParameterType, type PolicyDefinitionAst, type ThenNode } from './ast.js';
import { defaultAliases, type AliasRegistry } from './aliases/index.js';
import { parseCondition } from './parse-condition.js';
import { checkNestedExpressions, invalid, parseValue, ptr, type ValueParseContext } from './parse-value.js';
import { checkParameterValue } from './parameters.js';
import { validateDetails } from './effect-details.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const effectByLower = new Map<string, EffectName>(EFFECTS.map((e) => [e.toLowerCase(), e]));

export function canonicalEffect(s: unknown): EffectName | undefined {
  return typeof s === 'string' ? effectByLower.get(s.toLowerCase()) : undefined;
}

export interface ParseOptions {
  aliases?: AliasRegistry;
}

function getKey(o: Record<string, unknown>, name: string): string | undefined {
  if (name in o) return name;
  return Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
}

function parseParameters(json: unknown, where: string): Record<string, ParameterDefinition> {
  if (json === undefined || json === null) return {};
  if (!isObj(json)) throw invalid('parameters must be an object', where);
  const out: Record<string, ParameterDefinition> = {};
  for (const [name, def] of Object.entries(json)) {
    const at = ptr(where, name);
    if (!isObj(def)) throw invalid(`parameter '${name}' must be an object with a type`, at);
    const tk = getKey(def, 'type');
    const type = PARAMETER_TYPES.find((t) => typeof def[tk ?? ''] === 'string' && t.toLowerCase() === (def[tk!] as string).toLowerCase());
    if (!type) throw invalid(`parameter '${name}' has type ${JSON.stringify(def[tk ?? 'type'])}; expected one of ${PARAMETER_TYPES.join(', ')}`, ptr(at, tk ?? 'type'));
    const p: ParameterDefinition = { name, type: type as ParameterType, path: at };
    const av = getKey(def, 'allowedValues');
    if (av !== undefined) {
      if (!Array.isArray(def[av])) throw invalid(`allowedValues of '${name}' must be an array`, ptr(at, av));
      p.allowedValues = def[av] as unknown[];
    }
    const dv = getKey(def, 'defaultValue');
    if (dv !== undefined) {
      p.defaultValue = def[dv];
      const problem = checkParameterValue(p, def[dv]);
      if (problem) throw invalid(`defaultValue of '${name}': ${problem}`, ptr(at, dv));
    }
    const mk = getKey(def, 'metadata');
    if (mk !== undefined && isObj(def[mk])) p.metadata = def[mk] as Record<string, unknown>;
    out[name] = p;
  }
  return out;
}

/**
 * Parse a policy definition: a whole definition file ({properties: {policyRule, parameters, mode…}}),
 * a properties object, or a bare rule {if, then}. Refuses bad definitions with InputError
 * (POLICY_INVALID / POLICY_UNKNOWN_ALIAS) whose `where` is the JSON pointer of the problem.
 */
export function parseDefinition(json: unknown, options: ParseOptions = {}): PolicyDefinitionAst {
  if (!isObj(json)) throw invalid('a policy definition must be a JSON object', '');
  // Parsing, compiling and explaining all recurse over the document: refuse what would overflow them.
  checkInputShape(json, '', DEFAULT_INPUT_LIMITS);
  const aliases = options.aliases ?? defaultAliases;
  let props: Record<string, unknown> = json;
  let base = '';
  const pk = getKey(json, 'properties');
  if (pk !== undefined && isObj(json[pk])) {
    props = json[pk] as Record<string, unknown>;
    base = ptr('', pk);
  }
  let rule: unknown;
  let rulePath: string;
  const rk = getKey(props, 'policyRule');
  if (rk !== undefined) {
    rule = props[rk];
    rulePath = ptr(base, rk);
  } else if (getKey(props, 'if') !== undefined) {
    rule = props;
    rulePath = base;
  } else throw invalid('no policy rule: expected properties.policyRule or a bare {if, then}', base || '/');
  if (!isObj(rule)) throw invalid('policyRule must be an object', rulePath);
  const parKey = getKey(props, 'parameters');
  const parameters = parseParameters(parKey === undefined ? undefined : props[parKey], ptr(base, parKey ?? 'parameters'));
  // A bare rule with no declarations may still call parameters(); values then come from the assignment.
  const declared = parKey !== undefined || rule !== props ? new Set(Object.keys(parameters).map((n) => n.toLowerCase())) : null;
  const ctx: ValueParseContext = { aliases, parameterNames: declared };
  for (const k of Object.keys(rule)) if (!['if', 'then'].includes(k.toLowerCase())) throw invalid(`unknown property '${k}' in policyRule`, ptr(rulePath, k));
  const ik = getKey(rule, 'if');
  const tk = getKey(rule, 'then');
  if (ik === undefined) throw invalid('policyRule needs an if block', rulePath);
  if (tk === undefined) throw invalid('policyRule needs a then block', rulePath);
  const ifNode = parseCondition(rule[ik], ptr(rulePath, ik), ctx);
  const then = parseThen(rule[tk], ptr(rulePath, tk), ctx, parameters);
  const str = (k: string) => {
    const key = getKey(props, k);
    return key !== undefined && typeof props[key] === 'string' ? (props[key] as string) : undefined;
  };
  const mk = getKey(props, 'metadata');
  return {
    kind: 'policyDefinition',
    name: typeof json.name === 'string' ? json.name : undefined,
    id: typeof json.id === 'string' ? json.id : undefined,
    displayName: str('displayName'),
    description: str('description'),
    mode: str('mode'),
    metadata: mk !== undefined && isObj(props[mk]) ? (props[mk] as Record<string, unknown>) : undefined,
    parameters,
    if: ifNode,
    then,
    rulePath,
  };
}

function parseThen(json: unknown, where: string, ctx: ValueParseContext, params: Record<string, ParameterDefinition>): ThenNode {
  if (!isObj(json)) throw invalid('then must be an object with an effect', where);
  for (const k of Object.keys(json)) if (!['effect', 'details'].includes(k.toLowerCase())) throw invalid(`unknown property '${k}' in then`, ptr(where, k));
  const ek = getKey(json, 'effect');
  if (ek === undefined) throw invalid('then needs an effect', where);
  const effectPath = ptr(where, ek);
  const effect = parseValue(json[ek], effectPath, ctx);
  const dk = getKey(json, 'details');
  const detailsPath = ptr(where, dk ?? 'details');
  const details = dk === undefined ? undefined : json[dk];
  // Which effects can this definition produce? A literal, or every allowed value of the effect parameter.
  let possible: unknown[] = [];
  if (effect.kind === 'literal') {
    if (!canonicalEffect(effect.value)) throw invalid(`unknown effect ${JSON.stringify(effect.value)}; expected one of ${EFFECTS.join(', ')}`, effectPath);
    possible = [effect.value];
  } else if (effect.expr.kind === 'call' && effect.expr.name.toLowerCase() === 'parameters' && effect.expr.args[0]?.kind === 'literal') {
    const pname = String(effect.expr.args[0].value).toLowerCase();
    const p = Object.values(params).find((x) => x.name.toLowerCase() === pname);
    if (p?.allowedValues) possible = p.allowedValues;
    else if (p?.defaultValue !== undefined) possible = [p.defaultValue];
    for (const v of possible) if (!canonicalEffect(v)) throw invalid(`parameter '${p!.name}' allows ${JSON.stringify(v)}, which is not an effect`, p!.path);
  }
  let existenceCondition;
  if (isObj(details)) {
    const ck = getKey(details, 'existenceCondition');
    if (ck !== undefined) existenceCondition = parseCondition(details[ck], ptr(detailsPath, ck), ctx);
  }
  // deployment.properties.template is an ARM template run at remediation time, not policy language.
  const skip = (w: string) => /\/existenceCondition$/i.test(w) || /\/deployment\/properties\/template$/i.test(w);
  checkNestedExpressions(details, detailsPath, ctx, skip);
  for (const e of possible) {
    const problem = validateDetails(canonicalEffect(e)!, details);
    if (problem) throw invalid(problem.message, problem.at ? ptr(detailsPath, problem.at) : detailsPath);
  }
  return { path: where, effect, details, detailsPath, existenceCondition };
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
