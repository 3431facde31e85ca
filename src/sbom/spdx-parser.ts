/**
 * parseSpdx: an SPDX 2.3 JSON document written by toSpdx (or a compatible one) back to an
 * Inventory. Checks the structure it relies on; anything wrong is InputError SBOM_INVALID with the
 * JSON pointer of the offending value, so a corrupted stored SBOM is reported, never half-read.
 */
import { InputError } from '../errors/index.js';
import { sortPackages, type Ecosystem, type Inventory, type InventoryPackage, type OsIdentity } from './inventory.js';
import { parsePurl } from './purl.js';
import { SPDX_IMAGE_ID, SPDX_OS_ID, TATTOO_ANNOTATION_PREFIX } from './spdx-writer.js';

type Obj = Record<string, unknown>;
const ECOSYSTEMS = new Set<Ecosystem>(['deb', 'apk', 'rpm']);

function invalid(where: string, why: string): never {
  throw new InputError('SBOM_INVALID', `invalid SPDX document at ${where || '/'}: ${why}`, { where: where || '/' });
}
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function str(o: Obj, key: string, where: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') invalid(`${where}/${key}`, v === undefined ? 'missing' : 'must be a non-empty string');
  return v as string;
}
function arr(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(`${where}/${key}`, 'must be an array');
  return v as unknown[];
}

export function parseSpdx(input: unknown): Inventory {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch (e) {
      invalid('', `not JSON (${(e as Error).message})`);
    }
  }
  if (!isObj(doc)) invalid('', 'must be a JSON object');
  if (doc['spdxVersion'] !== 'SPDX-2.3') invalid('/spdxVersion', `expected "SPDX-2.3", got ${JSON.stringify(doc['spdxVersion'])}`);
  if (doc['SPDXID'] !== 'SPDXRef-DOCUMENT') invalid('/SPDXID', 'must be "SPDXRef-DOCUMENT"');
  const ns = str(doc, 'documentNamespace', '')!;
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(ns) || ns.includes('#')) invalid('/documentNamespace', 'must be an absolute URI without "#"');
  const ci = doc['creationInfo'];
  if (!isObj(ci)) invalid('/creationInfo', 'missing');
  str(ci, 'created', '/creationInfo');
  const comment = str(ci, 'comment', '/creationInfo', true);

  const byId = new Map<string, Obj>();
  const whereOf = new Map<Obj, string>(); // JSON pointer of each package, for error messages
  const pkgs = arr(doc, 'packages', '');
  pkgs.forEach((p, i) => {
    const w = `/packages/${i}`;
    if (!isObj(p)) invalid(w, 'must be an object');
    const id = str(p, 'SPDXID', w)!;
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(id)) invalid(`${w}/SPDXID`, `'${id}' is not an SPDX id`);
    if (byId.has(id)) invalid(`${w}/SPDXID`, `duplicate id '${id}'`);
    str(p, 'name', w);
    whereOf.set(p, w);
    byId.set(id, p);
  });
  const generatedFrom = new Map<string, string>();
  arr(doc, 'relationships', '').forEach((r, i) => {
    const w = `/relationships/${i}`;
    if (!isObj(r)) invalid(w, 'must be an object');
    const a = str(r, 'spdxElementId', w)!;
    const t = str(r, 'relationshipType', w)!;
    const b = str(r, 'relatedSpdxElement', w)!;
    for (const [k, v] of [['spdxElementId', a], ['relatedSpdxElement', b]] as const) {
      if (v !== 'SPDXRef-DOCUMENT' && v !== 'NOASSERTION' && v !== 'NONE' && !v.startsWith('DocumentRef-') && !byId.has(v)) {
        invalid(`${w}/${k}`, `refers to unknown element '${v}'`);
      }
    }
    if (t === 'GENERATED_FROM') generatedFrom.set(a, b);
  });

  const purlOf = (p: Obj): string | undefined => {
    const w = whereOf.get(p)!;
    const refs = arr(p, 'externalRefs', w);
    const k = refs.findIndex((r) => isObj(r) && r['referenceType'] === 'purl');
    if (k < 0) return undefined;
    return str(refs[k] as Obj, 'referenceLocator', `${w}/externalRefs/${k}`);
  };

  let os: OsIdentity | undefined;
  const osPkg = byId.get(SPDX_OS_ID);
  if (osPkg) {
    const w = whereOf.get(osPkg)!;
    os = {
      id: str(osPkg, 'name', w)!,
      ...(osPkg['versionInfo'] ? { versionId: str(osPkg, 'versionInfo', w)! } : {}),
      ...(typeof osPkg['summary'] === 'string' && osPkg['summary'].startsWith('codename ') ? { versionCodename: osPkg['summary'].slice(9) } : {}),
      ...(osPkg['description'] ? { prettyName: str(osPkg, 'description', w)! } : {}),
    };
  }
  let tattoo: Record<string, string> | undefined;
  const image = byId.get(SPDX_IMAGE_ID);
  for (const a of image ? arr(image, 'annotations', whereOf.get(image)!) : []) {
    if (isObj(a) && typeof a['comment'] === 'string' && a['comment'].startsWith(TATTOO_ANNOTATION_PREFIX)) {
      const kv = a['comment'].slice(TATTOO_ANNOTATION_PREFIX.length);
      const eq = kv.indexOf('=');
      if (eq > 0) (tattoo ??= {})[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }

  const packages: InventoryPackage[] = [];
  for (const [id, p] of byId) {
    if (id === SPDX_IMAGE_ID || id === SPDX_OS_ID) continue;
    const purl = purlOf(p);
    if (!purl) continue; // not a package-manager package (e.g. files from another tool)
    const w = whereOf.get(p)!;
    const parsed = parsePurl(purl, `${w}/externalRefs`);
    if (parsed.qualifiers?.['arch'] === 'source') continue;
    if (!ECOSYSTEMS.has(parsed.type as Ecosystem)) continue;
    const version = str(p, 'versionInfo', w)!;
    let source: InventoryPackage['source'];
    const sid = generatedFrom.get(id);
    if (sid) {
      const s = byId.get(sid)!;
      source = { name: str(s, 'name', whereOf.get(s)!)!, version: str(s, 'versionInfo', whereOf.get(s)!)! };
    }
    packages.push({
      ecosystem: parsed.type as Ecosystem,
      name: str(p, 'name', w)!,
      version,
      arch: parsed.qualifiers?.['arch'] ?? 'noarch',
      ...(source ? { source } : {}),
      license: typeof p['licenseDeclared'] === 'string' ? p['licenseDeclared'] : 'NOASSERTION',
      purl,
    });
  }
  return {
    ...(os ? { os } : {}),
    ...(tattoo ? { tattoo } : {}),
    packages: sortPackages(packages),
    notes: comment ? comment.split('\n') : [],
  };
}
