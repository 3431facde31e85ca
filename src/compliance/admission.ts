import { InputError } from '../errors/index.js';
import { EFFECT_ORDER, evaluate, type EvaluationContext, type Resource } from '../policy/index.js';
import type { ComplianceService } from './compliance-service.js';
import { inAssignment, labelsOf, refApplies, type LoadedResource } from './evaluate-resource.js';
import type { PreparedAssignment, PreparedRef } from './prepare.js';
import { idScope } from './scopes.js';

export interface AdmissionDenial {
  assignmentId: string;
  assignmentName: string;
  policyDefinitionId: string;
  policyDefinitionReferenceId: string | null;
  effect: string;
  message: string;
  reasons: string[];
}

export interface AdmissionDecision {
  allowed: boolean;
  /** The resource after append and modify, in Azure's order; unchanged for deletes. */
  resource: Resource;
  denials: AdmissionDenial[];
  /** append/modify that changed the request. */
  mutations: Array<{ assignmentId: string; policyDefinitionId: string; effect: string; operations: unknown[] }>;
  /** audit-type results that matched (reported after the write, never blocking). */
  audits: Array<{ assignmentId: string; policyDefinitionId: string; effect: string }>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Request-time policy: every Default-enforced assignment whose scope holds the resource, in Azure's
 * order (disabled, then append and modify, which change the request, then deny; denyAction for
 * deletes; audits last). DoNotEnforce assignments and active exemptions never deny.
 */
export class AdmissionService {
  constructor(private readonly svc: ComplianceService) {}

  async review(resource: Resource, opts: { action: 'write' | 'delete' }): Promise<AdmissionDecision> {
    if (!isObj(resource)) throw new InputError('COMPLIANCE_RESOURCE_INVALID', 'a resource must be an ARM document object', { where: '' });
    if (typeof resource.id !== 'string' || !resource.id.startsWith('/subscriptions/'))
      throw new InputError('COMPLIANCE_RESOURCE_INVALID', 'the resource needs an Azure id (/subscriptions/{id}/resourceGroups/{rg}/providers/...)', { where: '/id' });
    if (typeof resource.type !== 'string') throw new InputError('COMPLIANCE_RESOURCE_INVALID', 'the resource needs a string type', { where: '/type' });
    const [pass, prepared] = await Promise.all([this.svc.pass(), this.svc.prepared()]);
    const idLower = resource.id.toLowerCase();
    const related = await this.svc.store.query<{ doc: Resource }>(`SELECT doc FROM resources WHERE id_lower LIKE $1`, [idLower.replace(/[\\%_]/g, (c) => '\\' + c) + '/%']);
    const loaded = (doc: Resource): LoadedResource => {
      const image = this.svc.imageFacts.factsFor(doc, pass.galleryIndex, pass.now);
      return { id: resource.id!, idLower, typeLower: resource.type!.toLowerCase(), doc, computed: image ? { image } : {}, related: related.map((r) => r.doc), ...idScope(idLower), ...labelsOf(doc), imageVersion: null };
    };
    let current = loaded(resource);
    const candidates: Array<{ a: PreparedAssignment; ref: PreparedRef }> = [];
    for (const a of prepared) {
      if (a.assignment.enforcementMode !== 'Default' || !inAssignment(a, current, pass.scopes)) continue;
      for (const ref of a.refs) if (refApplies(ref, current) && !exempt(pass.exemptions, a, ref, idLower, pass)) candidates.push({ a, ref });
    }
    candidates.sort((x, y) => EFFECT_ORDER.indexOf(x.ref.compiled.effect) - EFFECT_ORDER.indexOf(y.ref.compiled.effect));
    const decision: AdmissionDecision = { allowed: true, resource, denials: [], mutations: [], audits: [] };
    const ctx = (a: PreparedAssignment, ref: PreparedRef): EvaluationContext => ({
      now: pass.now,
      related: current.related,
      computed: current.computed,
      request: { action: opts.action },
      policy: { assignmentId: a.assignment.id, definitionId: ref.definitionId, setDefinitionId: ref.setDefinitionId ?? undefined, definitionReferenceId: ref.referenceId || undefined },
    });
    for (const { a, ref } of candidates) {
      const declared = ref.compiled.effect;
      if (declared === 'disabled') continue;
      if (opts.action === 'delete' && declared !== 'denyAction') continue;
      const res = evaluate(ref.compiled, current.doc, ctx(a, ref));
      if (!res.applicable) continue;
      const deny = () =>
        decision.denials.push({
          assignmentId: a.assignment.id,
          assignmentName: a.assignment.name,
          policyDefinitionId: ref.definitionId,
          policyDefinitionReferenceId: ref.referenceId || null,
          effect: res.effect,
          message: ref.message ?? `${a.assignment.displayName ?? a.assignment.name}: ${ref.compiled.ast.displayName ?? ref.definitionId}`,
          reasons: res.reasons,
        });
      if (opts.action === 'delete') {
        if (res.actionNames?.includes('delete')) deny();
        continue;
      }
      if (res.effect === 'deny') deny(); // includes an evaluation error, which Azure treats as a deny
      else if ((declared === 'append' || declared === 'modify') && res.modified) {
        const conflictDeny = res.conflicts?.length && ref.compiled.details.kind === 'modify' && ref.compiled.details.conflictEffect === 'deny';
        if (conflictDeny) deny();
        else {
          decision.mutations.push({ assignmentId: a.assignment.id, policyDefinitionId: ref.definitionId, effect: declared, operations: res.operations ?? [] });
          current = loaded(res.modified);
        }
      } else if (declared !== 'denyAction' && declared !== 'manual') decision.audits.push({ assignmentId: a.assignment.id, policyDefinitionId: ref.definitionId, effect: res.effect });
    }
    decision.allowed = decision.denials.length === 0;
    decision.resource = current.doc;
    return decision;
  }
}

function exempt(exemptions: ReadonlyArray<{ policyAssignmentId: string; policyDefinitionReferenceIds: string[]; scope: string; expiresOn: string | null }>, a: PreparedAssignment, ref: PreparedRef, idLower: string, pass: { now: Date; scopes: { contains(s: string, id: string): boolean } }): boolean {
  return exemptions.some(
    (e) =>
      e.policyAssignmentId === a.assignment.id &&
      (e.policyDefinitionReferenceIds.length === 0 || e.policyDefinitionReferenceIds.some((x) => x.toLowerCase() === ref.referenceId.toLowerCase())) &&
      pass.scopes.contains(e.scope.toLowerCase(), idLower) &&
      (e.expiresOn === null || Date.parse(e.expiresOn) > pass.now.getTime()),
  );
}
