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

const STATE_RANK = ['NonCompliant', 'Unknown', 'Protected', 'Compliant'];

export function mostRestrictiveEffect(effects: EffectName[]): EffectName | undefined {
  return [...effects].sort((a, b) => EFFECT_RESTRICTIVENESS.indexOf(a) - EFFECT_RESTRICTIVENESS.indexOf(b))[0];
}

/** The overall state of a resource under several results: any NonCompliant makes it NonCompliant. */
export function combinedComplianceState(states: Array<string | null>): string | null {
  const present = states.filter((s): s is string => s !== null);
  if (present.length === 0) return null;
  return present.sort((a, b) => (STATE_RANK.indexOf(a) + 99) % 99 - (STATE_RANK.indexOf(b) + 99) % 99)[0]!;
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
  const denials = applicable.filter((r) => (action === 'delete' ? r.effect === 'denyAction' : r.effect === 'deny'));
  return {
    allowed: denials.length === 0,
    denials,
    mutations: action === 'write' ? applicable.filter((r) => r.effect === 'append' || r.effect === 'modify') : [],
    audits: applicable.filter((r) => r.effect === 'audit' || r.effect === 'auditIfNotExists' || r.effect === 'deployIfNotExists'),
    ordered,
  };
}
