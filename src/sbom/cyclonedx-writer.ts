/**
 * CycloneDX 1.6 JSON. Each binary package is a component whose source package is its
 * pedigree ancestor (with the arch=source purl); the image is metadata.component and depends on
 * every package. serialNumber is a UUID derived from the image digest, timestamp is the caller's
 * `created`, components are sorted: same inputs, byte-identical output.
 */
import { checkOptions, TOOL, uuidFrom, type SbomOptions } from './document-options.js';
import type { Inventory } from './inventory.js';
import { sourcePurl } from './spdx-writer.js';

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const IMAGE_REF = 'image';
const OS_REF = 'os';

function licenses(expr: string): Array<Record<string, unknown>> | undefined {
  if (expr === 'NOASSERTION') return undefined;
  // A single listed id is a license object; anything else (compound, LicenseRef) an expression.
  if (/^[A-Za-z0-9.-]+$/.test(expr) && !expr.startsWith('LicenseRef-')) return [{ license: { id: expr } }];
  return [{ expression: expr }];
}

export function toCycloneDx(inv: Inventory, options: SbomOptions): Record<string, unknown> {
  const o = checkOptions(options);
  const properties: Array<{ name: string; value: string }> = [];
  for (const n of inv.notes) properties.push({ name: 'goldsmith:note', value: n });
  for (const [k, v] of Object.entries(inv.tattoo ?? {}).sort(([a], [b]) => cmp(a, b))) {
    properties.push({ name: `goldsmith:tattoo:${k}`, value: v });
  }
  const components: Array<Record<string, unknown>> = [];
  if (inv.os) {
    components.push({
      type: 'operating-system',
      'bom-ref': OS_REF,
      name: inv.os.id,
      ...(inv.os.versionId ? { version: inv.os.versionId } : {}),
      ...(inv.os.prettyName ? { description: inv.os.prettyName } : {}),
    });
  }
  for (const p of inv.packages) {
    const lic = licenses(p.license);
    const spurl = sourcePurl(p);
    components.push({
      type: 'library',
      'bom-ref': p.purl,
      name: p.name,
      version: p.version,
      ...(lic ? { licenses: lic } : {}),
      purl: p.purl,
      ...(p.source && spurl ? { pedigree: { ancestors: [{ type: 'library', name: p.source.name, version: p.source.version, purl: spurl }] } } : {}),
      properties: [
        { name: 'goldsmith:package:arch', value: p.arch },
        { name: 'goldsmith:package:ecosystem', value: p.ecosystem },
        ...(p.source ? [{ name: 'goldsmith:package:source', value: `${p.source.name} ${p.source.version}` }] : []),
      ],
    });
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidFrom(o.digest)}`,
    version: 1,
    metadata: {
      timestamp: o.created,
      tools: { components: [{ type: 'application', name: TOOL }] },
      ...(o.creator ? { manufacturer: { name: o.creator.replace(/^(Organization|Person):\s*/, '') } } : {}),
      component: {
        type: 'operating-system',
        'bom-ref': IMAGE_REF,
        name: o.name,
        hashes: [{ alg: o.algorithm === 'sha256' ? 'SHA-256' : 'SHA-512', content: o.hex }],
      },
      ...(properties.length ? { properties } : {}),
    },
    components,
    dependencies: [
      { ref: IMAGE_REF, dependsOn: components.map((c) => c['bom-ref'] as string) },
      ...components.map((c) => ({ ref: c['bom-ref'] as string })),
    ],
  };
}
