import { InputError } from '../errors/index.js';
import { checkInputShape } from '../input/index.js';
import { DEFAULT_LOCATION } from '../gallery/index.js';
import { idKey, parseId } from '../arm/index.js';
import { normalizeArmDocument } from './arm-shape.js';
import { resourceGroupDocument, ROOT_CHAIN, subscriptionDocument } from './scope-documents.js';
import { DISK_TYPE, VM_TYPE, VMSS_TYPE, type ArmResource, type ShapeProblem } from './types.js';

const IMPORTABLE = new Set([VM_TYPE, VMSS_TYPE, DISK_TYPE]);

/**
 * Parse and check an `az vm list` array (or ARM documents). Pure and all-or-nothing: every bad entry
 * is reported with its index and JSON path, and nothing comes back unless everything is good.
 */
export function parseImport(input: string | unknown, source = 'input'): ArmResource[] {
  let data: unknown = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input);
    } catch (e) {
      throw new InputError('FLEET_BAD_IMPORT', `${source} is not JSON: ${(e as Error).message}`, { where: source });
    }
  }
  // Before anything walks the documents: the store (jsonb refuses NUL characters) and the policy
  // engine (recursive) take only what fits the input limits; the error names the entry and field.
  checkInputShape(data, source, undefined, ':');
  if (!Array.isArray(data)) {
    throw new InputError('FLEET_BAD_IMPORT', `${source} must be a JSON array of VM documents (what \`az vm list\` prints)`, { where: `${source}:/` });
  }
  const problems: ShapeProblem[] = [];
  const docs: ArmResource[] = [];
  const seen = new Map<string, number>();
  data.forEach((raw, i) => {
    const r = normalizeArmDocument(raw, `/${i}`);
    problems.push(...r.problems);
    if (!r.doc) return;
    if (!IMPORTABLE.has(r.doc.type)) {
      problems.push({ path: `/${i}/type`, message: `${r.doc.type} cannot be imported; import VMs, scale sets or disks` });
      return;
    }
    const key = idKey(r.doc.id);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ path: `/${i}/id`, message: `duplicates entry ${first} (${r.doc.id})` });
    else seen.set(key, i);
    docs.push(r.doc);
  });
  if (problems.length) {
    const shown = problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    const entries = new Set(problems.map((p) => p.path.split('/')[1])).size;
    throw new InputError('FLEET_BAD_IMPORT', `${entries} of ${data.length} entries in ${source} are invalid; nothing was imported\n  ${shown.join('\n  ')}${more}`, {
      where: `${source}:${problems[0]!.path}`,
      data: { problems },
    });
  }
  return docs;
}

/** The subscription and resource group documents imported resources live in (under the root group). Pure. */
export function scopesFor(docs: readonly ArmResource[]): ArmResource[] {
  const out = new Map<string, ArmResource>();
  for (const d of docs) {
    const p = parseId(d.id)!;
    const sub = subscriptionDocument(p.subscription!, p.subscription!, [...ROOT_CHAIN]);
    const location = (d.location ?? DEFAULT_LOCATION).toLowerCase().replace(/\s+/g, '');
    const rg = resourceGroupDocument(p.subscription!, p.resourceGroup!, location);
    if (!out.has(idKey(sub.id))) out.set(idKey(sub.id), sub);
    if (!out.has(idKey(rg.id))) out.set(idKey(rg.id), rg);
  }
  return [...out.values()];
}
