import { InputError } from '../errors/index.js';
import { assertDigest } from '../artifacts/index.js';
import { normalizeRegion } from './resource-ids.js';
import { ARTIFACT_KINDS, type ArtifactRef, type StorageAccountType, type TargetRegion } from './types.js';

/** Input checks shared by the service: each throws an InputError naming the field, before anything is written. */
export function parseDate(value: string | Date, where: string): string {
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(t)) throw new InputError('GALLERY_BAD_DATE', `${where} "${String(value)}" is not a date (use ISO 8601, e.g. 2027-12-31)`, { where });
  return new Date(t).toISOString();
}

const STORAGE_TYPES: readonly StorageAccountType[] = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];

export function checkStorageType(v: string | undefined, where: string): StorageAccountType | undefined {
  if (v === undefined) return undefined;
  if (!STORAGE_TYPES.includes(v as StorageAccountType)) {
    throw new InputError('GALLERY_BAD_STORAGE_TYPE', `${where} "${v}" must be one of ${STORAGE_TYPES.join(', ')}`, { where });
  }
  return v as StorageAccountType;
}

export function checkReplicaCount(n: unknown, where: string): number {
  // Azure allows 1..100 replicas per region.
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100) {
    throw new InputError('GALLERY_BAD_REPLICA_COUNT', `${where} must be an integer from 1 to 100, got ${String(n)}`, { where });
  }
  return n;
}

export function checkTargetRegions(regions: readonly TargetRegion[], where = 'targetRegions'): TargetRegion[] {
  const seen = new Set<string>();
  return regions.map((r, i) => {
    const name = normalizeRegion(r.name, `${where}/${i}/name`);
    if (seen.has(name)) throw new InputError('GALLERY_DUPLICATE_REGION', `region ${name} is listed twice`, { where: `${where}/${i}/name` });
    seen.add(name);
    const storageAccountType = checkStorageType(r.storageAccountType, `${where}/${i}/storageAccountType`);
    return {
      name,
      replicaCount: checkReplicaCount(r.replicaCount, `${where}/${i}/replicaCount`),
      excludeFromLatest: r.excludeFromLatest === true,
      ...(storageAccountType ? { storageAccountType } : {}),
    };
  });
}

export function checkArtifacts(list: readonly ArtifactRef[], where = 'artifacts'): ArtifactRef[] {
  if (list.length === 0) throw new InputError('GALLERY_NO_ARTIFACTS', 'a version needs at least one artifact', { where });
  return list.map((a, i) => {
    if (!ARTIFACT_KINDS.includes(a.kind)) {
      throw new InputError('GALLERY_BAD_ARTIFACT', `artifact kind "${a.kind}" must be one of ${ARTIFACT_KINDS.join(', ')}`, { where: `${where}/${i}/kind` });
    }
    assertDigest(a.digest, `${where}/${i}/digest`);
    if (!Number.isInteger(a.size) || a.size < 0) {
      throw new InputError('GALLERY_BAD_ARTIFACT', `artifact size must be a non-negative integer, got ${a.size}`, { where: `${where}/${i}/size` });
    }
    return { kind: a.kind, digest: a.digest, size: a.size };
  });
}

export function checkTattoo(t: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new InputError('GALLERY_BAD_TATTOO', `tattoo key "${k}" must be letters, digits and underscores (KEY=VALUE format)`, { where: `tattoo/${k}` });
    if (typeof v !== 'string' || /[\r\n]/.test(v)) throw new InputError('GALLERY_BAD_TATTOO', `tattoo value for ${k} must be a single-line string`, { where: `tattoo/${k}` });
    out[k] = v;
  }
  return out;
}
