import { ConflictError, InternalError } from '../errors/index.js';
import { normalizeArmDocument } from './arm-shape.js';
import type { AdmissionDenial, AdmissionReviewer, ArmResource } from './types.js';

export interface Admitted {
  docs: ArmResource[];
  denied: Array<{ index: number; id: string; denials: AdmissionDenial[] }>;
}

/**
 * Put each document through admission (deny/append/modify, or denyAction for deletes) before any
 * write. Allowed documents come back as admission changed them, re-checked: a modify effect must not
 * turn a valid document into an invalid one, nor move it.
 */
export async function admit(reviewer: AdmissionReviewer | undefined, docs: readonly ArmResource[], action: 'write' | 'delete'): Promise<Admitted> {
  if (!reviewer) return { docs: [...docs], denied: [] };
  const out: ArmResource[] = [];
  const denied: Admitted['denied'] = [];
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    const decision = await reviewer.review(doc, { action });
    if (!decision.allowed) {
      denied.push({ index: i, id: doc.id, denials: decision.denials });
      continue;
    }
    if (action === 'delete') {
      out.push(doc);
      continue;
    }
    const checked = normalizeArmDocument(decision.resource);
    if (!checked.doc || checked.doc.id.toLowerCase() !== doc.id.toLowerCase()) {
      const why = checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ') || 'it changed the resource id';
      throw new InternalError('FLEET_ADMISSION_BROKE_DOCUMENT', `admission returned an invalid document for ${doc.id}: ${why}`, { where: doc.id });
    }
    out.push(checked.doc);
  }
  return { docs: out, denied };
}

/** Names every assignment that denied, with its non-compliance message, so the user knows whom to ask. */
export function deniedError(action: 'write' | 'delete', denied: Admitted['denied'], indexed = false): ConflictError {
  const lines = denied.flatMap((d) =>
    d.denials.map((x) => {
      const who = x.assignmentName ? `'${x.assignmentName}' (${x.assignmentId})` : x.assignmentId;
      return `${indexed ? `[${d.index}] ` : ''}${d.id}: policy assignment ${who}: ${x.message}`;
    }),
  );
  const what = action === 'delete' ? 'deletion' : 'write';
  return new ConflictError('FLEET_DENIED_BY_POLICY', `${what} denied by policy; nothing was changed\n  ${lines.join('\n  ')}`, {
    where: denied[0]?.id,
    data: { denied },
  });
}
