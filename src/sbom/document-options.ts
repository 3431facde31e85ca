/** Inputs every SBOM writer needs besides the inventory, validated once. */
import { createHash } from 'node:crypto';
import { InputError } from '../errors/index.js';

export interface SbomOptions {
  /** Document / image name, e.g. "debian12-hardened 1.2.0". */
  name: string;
  /** Image (rootfs artifact) digest "sha256:<64 hex>": the document's identity. */
  digest: string;
  /**
   * The image's publish date (ISO 8601 or Date) or SOURCE_DATE_EPOCH (a number of seconds): never
   * the wall clock, for reproducibility.
   */
  created: string | Date | number;
  /** Extra creator, e.g. "Organization: Contoso"; the Goldsmith tool is always listed. */
  creator?: string;
  /** Base URI for SPDX documentNamespace; default https://goldsmith.invalid/spdx. */
  namespaceBase?: string;
}

export interface CheckedOptions {
  name: string;
  algorithm: 'sha256' | 'sha512';
  hex: string;
  digest: string;
  created: string;
  creator?: string;
  namespaceBase: string;
}

export const TOOL = 'goldsmith';

export function checkOptions(o: SbomOptions): CheckedOptions {
  if (!o.name || typeof o.name !== 'string') throw new InputError('SBOM_OPTIONS_INVALID', 'SBOM name is required', { where: 'name' });
  const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(o.digest ?? '');
  if (!m || m[2]!.length !== (m[1] === 'sha256' ? 64 : 128)) {
    throw new InputError('SBOM_DIGEST_INVALID', `image digest '${o.digest}' is not "sha256:<64 lowercase hex>"`, { where: 'digest' });
  }
  const d = o.created instanceof Date ? o.created : typeof o.created === 'number' ? new Date(o.created * 1000) : new Date(String(o.created));
  if (Number.isNaN(d.getTime())) {
    throw new InputError('SBOM_CREATED_INVALID', `created '${String(o.created)}' is not a date`, { where: 'created' });
  }
  return {
    name: o.name,
    algorithm: m[1] as 'sha256' | 'sha512',
    hex: m[2]!,
    digest: o.digest,
    // SPDX wants whole seconds in UTC ("YYYY-MM-DDThh:mm:ssZ").
    created: d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(o.creator ? { creator: o.creator } : {}),
    namespaceBase: (o.namespaceBase ?? 'https://goldsmith.invalid/spdx').replace(/\/+$/, ''),
  };
}

/** Short stable hash for ids (collision-proof suffix after sanitising names). */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 10);
}

/** A UUID (RFC 4122 version 5 layout) derived from a string, for CycloneDX serialNumber. */
export function uuidFrom(s: string): string {
  const h = createHash('sha1').update('goldsmith-sbom:' + s).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
