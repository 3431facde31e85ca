import type { EffectName } from './ast.js';
import type { PolicyResult } from './evaluate.js';

/**
 * Azure's order of evaluation for a request: disabled is checked first, then append and modify
 * (which change the request), then deny, then audit; auditIfNotExists and deployIfNotExists run
 * after the resource provider succeeds. denyAction applies to delete requests.
 */
export const EFFECT_ORDER: EffectName[] = ['disabled', 'append', 'modify', 'deny', 'denyAction', 'audit', 'manual', 'auditIfNotExists', 'deployIfNotExists'];

/** From most to least restrictive, for "most restrictive wins" when assignments overlap. */
export const EFFECT_RESTRICTIVENESS: EffectName[] = ['deny', 'denyAction', 'deployIfNotExists', 'modify', 'append', 'auditIfNotExists', 'audit', 'manual', 'disabled'];

// Azure's roll-up rank: NonCompliant wins over Compliant, then Conflicting, Exempt, Unknown.
const STATE_RANK = ['NonCompliant', 'Compliant', 'Protected', 'Conflicting', 'Exempt', 'Unknown'];

export function mostRestrictiveEffect(effects: EffectName[]): EffectName | undefined {
  return [...effects].sort((a, b) => EFFECT_RESTRICTIVENESS.indexOf(a) - EFFECT_RESTRICTIVENESS.indexOf(b))[0];
}

/** The overall state of a resource under several results: any NonCompliant makes it NonCompliant. */
export function combinedComplianceState(states: Array<string | null>): string | null {
  const present = states.filter((s): s is string => s !== null);
  if (present.length === 0) return null;
  const rank = (s: string) => (STATE_RANK.includes(s) ? STATE_RANK.indexOf(s) : STATE_RANK.length);
  return present.sort((a, b) => rank(a) - rank(b))[0]!;
}

export interface Decision<T extends PolicyResult> {
  /** False when any applicable result denies the request. */
  allowed: boolean;
  denials: T[];
  /** append/modify results whose operations apply to the request, in Azure's order. */
  mutations: T[];
  audits: T[];
  /** Results in Azure's evaluation order. */
  ordered: T[];
}

/**
 * Combine the results of several assignments for one request. A write is denied by any matching
 * deny (or an evaluation failure, which is an implicit deny); a delete by any matching denyAction.
 */
export function decide<T extends PolicyResult>(results: T[], action: 'write' | 'delete' = 'write'): Decision<T> {
  const ordered = [...results].sort((a, b) => EFFECT_ORDER.indexOf(a.effect) - EFFECT_ORDER.indexOf(b.effect));
  const applicable = ordered.filter((r) => r.applicable && r.effect !== 'disabled');
  // On a write, append/modify conflicts under conflictEffect deny also refuse the request.
  const denials = applicable.filter((r) =>
    action === 'delete' ? r.effect === 'denyAction' : r.effect === 'deny' || (!!r.conflicts?.length && r.conflictEffect === 'deny'),
  );
  return {
    allowed: denials.length === 0,
    denials,
    mutations: action === 'write' ? applicable.filter((r) => (r.effect === 'append' || r.effect === 'modify') && !r.conflicts?.length) : [],
    audits: applicable.filter((r) => r.effect === 'audit' || r.effect === 'auditIfNotExists' || r.effect === 'deployIfNotExists'),
    ordered,
  };
}
