/**
 * SPDX 2.3 JSON. One package per binary package and per source package (purl arch=source),
 * `<binary> GENERATED_FROM <source>`; the image is the described root and CONTAINS the OS and every
 * binary. Ids are derived from package identity, every list is sorted, the namespace comes from the
 * image digest and `created` from the caller: same inputs, byte-identical output.
 */
import { formatPurl, parsePurl } from './purl.js';
import { checkOptions, shortHash, TOOL, type SbomOptions } from './document-options.js';
import type { Inventory, InventoryPackage } from './inventory.js';

export const SPDX_IMAGE_ID = 'SPDXRef-Image';
export const SPDX_OS_ID = 'SPDXRef-OperatingSystem';
export const TATTOO_ANNOTATION_PREFIX = 'goldsmith-tattoo ';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const idPart = (s: string) => s.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');

export function binarySpdxId(p: InventoryPackage): string {
  return `SPDXRef-${p.ecosystem}-${idPart(p.name)}-${idPart(p.arch)}-${shortHash(p.purl)}`;
}

const sourcePurls = new WeakMap<InventoryPackage, string>();

/** The source package's purl: the binary's, with the source name and version and arch=source. */
export function sourcePurl(p: InventoryPackage): string | undefined {
  if (!p.source) return undefined;
  let s = sourcePurls.get(p);
  if (s === undefined) {
    const b = parsePurl(p.purl);
    s = formatPurl({ ...b, name: p.source.name, version: p.source.version, qualifiers: { ...b.qualifiers, arch: 'source' } });
    sourcePurls.set(p, s);
  }
  return s;
}

function sourceSpdxId(p: InventoryPackage, purl: string): string {
  return `SPDXRef-${p.ecosystem}-source-${idPart(p.source!.name)}-${shortHash(purl)}`;
}

const purlRef = (purl: string) => [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }];

export function toSpdx(inv: Inventory, options: SbomOptions): Record<string, unknown> {
  const o = checkOptions(options);
  const packages: Array<Record<string, unknown>> = [];
  const relationships: Array<{ spdxElementId: string; relationshipType: string; relatedSpdxElement: string }> = [];
  const licenseRefs = new Set<string>();
  const noteRefs = (expr: string) => {
    for (const m of expr.matchAll(/LicenseRef-[A-Za-z0-9.-]+/g)) licenseRefs.add(m[0]);
  };

  const image: Record<string, unknown> = {
    SPDXID: SPDX_IMAGE_ID,
    name: o.name,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    checksums: [{ algorithm: o.algorithm.toUpperCase(), checksumValue: o.hex }],
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
    comment: `Root filesystem ${o.digest}`,
  };
  const tattoo = Object.entries(inv.tattoo ?? {}).sort(([a], [b]) => cmp(a, b));
  if (tattoo.length) {
    image['annotations'] = tattoo.map(([k, v]) => ({
      annotationDate: o.created,
      annotationType: 'OTHER',
      annotator: `Tool: ${TOOL}`,
      comment: `${TATTOO_ANNOTATION_PREFIX}${k}=${v}`,
    }));
  }
  packages.push(image);
  relationships.push({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: SPDX_IMAGE_ID });

  if (inv.os) {
    packages.push({
      SPDXID: SPDX_OS_ID,
      name: inv.os.id,
      ...(inv.os.versionId ? { versionInfo: inv.os.versionId } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(inv.os.prettyName ? { description: inv.os.prettyName } : {}),
      ...(inv.os.versionCodename ? { summary: `codename ${inv.os.versionCodename}` } : {}),
    });
    relationships.push({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: SPDX_OS_ID });
  }

  const sources = new Map<string, Record<string, unknown>>();
  for (const p of inv.packages) {
    const id = binarySpdxId(p);
    noteRefs(p.license);
    packages.push({
      SPDXID: id,
      name: p.name,
      versionInfo: p.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: p.license,
      copyrightText: 'NOASSERTION',
      externalRefs: purlRef(p.purl),
    });
    relationships.push({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
    const spurl = sourcePurl(p);
    if (spurl) {
      const sid = sourceSpdxId(p, spurl);
      if (!sources.has(sid)) {
        sources.set(sid, {
          SPDXID: sid,
          name: p.source!.name,
          versionInfo: p.source!.version,
          downloadLocation: 'NOASSERTION',
          filesAnalyzed: false,
          licenseConcluded: 'NOASSERTION',
          licenseDeclared: 'NOASSERTION',
          copyrightText: 'NOASSERTION',
          primaryPackagePurpose: 'SOURCE',
          externalRefs: purlRef(spurl),
        });
      }
      relationships.push({ spdxElementId: id, relationshipType: 'GENERATED_FROM', relatedSpdxElement: sid });
    }
  }
  packages.push(...sources.values());
  packages.sort((a, b) => cmp(a['SPDXID'] as string, b['SPDXID'] as string));
  relationships.sort(
    (a, b) => cmp(a.spdxElementId, b.spdxElementId) || cmp(a.relationshipType, b.relationshipType) || cmp(a.relatedSpdxElement, b.relatedSpdxElement),
  );

  const doc: Record<string, unknown> = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: o.name,
    documentNamespace: `${o.namespaceBase}/${encodeURIComponent(o.name.replace(/\s+/g, '-'))}/${o.algorithm}-${o.hex}`,
    creationInfo: {
      created: o.created,
      creators: [`Tool: ${TOOL}`, ...(o.creator ? [o.creator] : [])],
      ...(inv.notes.length ? { comment: inv.notes.join('\n') } : {}),
    },
    documentDescribes: [SPDX_IMAGE_ID],
    packages,
    relationships,
  };
  if (licenseRefs.size) {
    doc['hasExtractedLicensingInfos'] = [...licenseRefs].sort().map((id) => ({
      licenseId: id,
      name: id.slice('LicenseRef-'.length),
      extractedText: 'Not an SPDX-listed license; the text is in the package’s copyright file (/usr/share/doc/<package>/copyright) in the image.',
    }));
  }
  return doc;
}

/** Canonical bytes: 2-space JSON with a final newline. */
export function serialiseSbom(doc: unknown): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
