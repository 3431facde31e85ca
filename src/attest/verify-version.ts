import { sha256File } from '../artifacts/index.js';
import { isGoldsmithError } from '../errors/index.js';
import { parseBundle, type AttestationBundle } from './bundle.js';
import { PREDICATE_TYPES } from './predicates.js';
import { fromDigestSet, type Statement } from './statement.js';
import type { TrustInput } from './verify-artifact.js';
import { verifyEnvelope, type VerifyResult } from './verify-envelope.js';
import { BOUND_ARTIFACT_KINDS, type VersionPredicate } from './version-statement.js';
import { readFile } from 'node:fs/promises';

/** A gallery version as the database records it: everything verification compares to what was signed. */
export interface StoredVersion {
  gallery: string;
  image: string;
  version: string;
  artifacts: Array<{ kind: string; digest: string; size: number }>;
  tattoo: Record<string, string>;
  buildRunId?: string;
  metadata?: Record<string, unknown>;
  /** Regions holding a copy of every artifact. */
  regions: string[];
}

/** The fields of a gallery version (as the gallery service returns it) that verification compares. */
export function storedVersion(v: {
  gallery: string;
  image: string;
  name: string;
  artifacts: StoredVersion['artifacts'];
  tattoo: Record<string, string>;
  buildRunId?: string;
  metadata?: Record<string, unknown>;
  replicationStatus: Array<{ region: string }>;
}): StoredVersion {
  // The row's own gallery/image/version, not the names asked for: those are what a forged row changes.
  return { gallery: v.gallery, image: v.image, version: v.name, artifacts: v.artifacts, tattoo: v.tattoo, buildRunId: v.buildRunId, metadata: v.metadata, regions: v.replicationStatus.map((r) => r.region) };
}

export interface VersionVerifyInput extends TrustInput {
  row: StoredVersion;
  /** A local file with the bytes of `digest` in `region` (ArtifactStore.localPath): a path that
   * does not exist or NotFoundError ARTIFACT_NOT_FOUND both mean the region does not hold them. */
  pathOf(region: string, digest: string): string | Promise<string>;
  /** Predicate types that must each have a valid statement, besides the image-version statement. */
  requirePredicateTypes?: string[];
}

/** A database field that disagrees with the signed image-version statement. */
export interface FieldMismatch {
  field: string;
  database: unknown;
  signed: unknown;
}

export interface RegionArtifactCheck {
  kind: string;
  name?: string;
  /** What the signed statement says the bytes are. */
  signed: string;
  /** What the bytes in this region hash to (undefined: missing). */
  actual?: string;
  ok: boolean;
}

export interface RegionVerifyResult {
  region: string;
  ok: boolean;
  artifacts: RegionArtifactCheck[];
  results: Array<VerifyResult & { index: number }>;
  problems: string[];
}

export interface VersionVerifyResult {
  ok: boolean;
  /** Every key id whose signature was accepted. */
  keyids: string[];
  fields: FieldMismatch[];
  regions: RegionVerifyResult[];
  problems: string[];
}

const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
export const fieldProblem = (m: FieldMismatch) =>
  `database row disagrees with the signed statement: field ${m.field}: the database says ${show(m.database)}, the signed statement says ${show(m.signed)}`;

/** Where the row and the signed image-version predicate disagree. Pure: no I/O. */
export function compareVersionRow(row: StoredVersion, p: VersionPredicate): FieldMismatch[] {
  const out: FieldMismatch[] = [];
  const same = (field: string, database: unknown, signed: unknown, fold = false) => {
    const eq = fold && typeof database === 'string' && typeof signed === 'string' ? database.toLowerCase() === signed.toLowerCase() : database === signed;
    if (!eq) out.push({ field, database, signed });
  };
  // Azure resource names compare case-insensitively; a version number does not.
  same('gallery', row.gallery, p.gallery, true);
  same('image', row.image, p.imageDefinition, true);
  same('version', row.version, p.version);
  for (const key of [...new Set([...Object.keys(row.tattoo ?? {}), ...Object.keys(p.tattoo)])].sort()) same(`tattoo.${key}`, row.tattoo?.[key], p.tattoo[key]);
  const kinds = new Set<string>([...p.artifacts.map((a) => a.kind), ...row.artifacts.map((a) => a.kind).filter((k) => (BOUND_ARTIFACT_KINDS as readonly string[]).includes(k))]);
  for (const kind of [...kinds].sort()) {
    const r = row.artifacts.find((a) => a.kind === kind);
    const s = p.artifacts.find((a) => a.kind === kind);
    same(`artifacts.${kind}`, r?.digest, s?.digest);
    if (r && s && r.digest === s.digest) same(`artifacts.${kind}.size`, r.size, s.size);
  }
  if (row.buildRunId !== undefined) same('buildRunId', row.buildRunId, p.inputs.buildRunId);
  const m = row.metadata ?? {};
  if (m.templateDigest !== undefined) same('metadata.templateDigest', m.templateDigest, p.inputs.template.digest);
  const base = m.base as { digest?: unknown } | undefined;
  if (base?.digest !== undefined) same('metadata.base.digest', base.digest, p.inputs.base.digest);
  // The boot evidence the gallery shows (and the Trusted Launch gate relied on) is the signed one.
  same('metadata.boot', canonical(m.boot), canonical(p.boot));
  return out;
}

async function hashOrMissing(path: string): Promise<string | undefined> {
  return sha256File(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** The path of a digest the database names: null when the region does not hold it; undefined for a
 * forged row with a malformed digest, which is a problem, not a crash. */
async function pathOrProblem(input: VersionVerifyInput, region: string, digest: string, what: string, problems: string[]): Promise<string | null | undefined> {
  try {
    return await input.pathOf(region, digest);
  } catch (e) {
    if (isGoldsmithError(e) && e.code === 'ARTIFACT_NOT_FOUND') return null;
    problems.push(`invalid digest: the database records ${JSON.stringify(digest)} for ${what}: ${(e as Error).message}`);
    return undefined;
  }
}

async function readRegionBundle(path: string | null | undefined, digest: string, problems: string[]): Promise<AttestationBundle | undefined> {
  if (path === undefined) return undefined;
  const actual = path === null ? undefined : await hashOrMissing(path);
  if (path === null || actual === undefined) {
    problems.push(`missing artifact: the attestation bundle ${digest} is not in this region`);
    return undefined;
  }
  if (actual !== digest) problems.push(`artifact digest mismatch: attestation bundle is ${actual}, the database records ${digest}`);
  try {
    return parseBundle(await readFile(path, 'utf8'), path);
  } catch (e) {
    problems.push((e as Error).message);
    return undefined;
  }
}

/**
 * Verify a stored gallery version, offline: in every region, the attestation bundle's signatures,
 * the bytes of every artifact against the digests the image-version statement signs, and the other
 * statements being about that rootfs; then the database row against the signed statement, field by
 * field. Never throws on tampered input: every failure is a problem saying what and where.
 */
export async function verifyStoredVersion(input: VersionVerifyInput): Promise<VersionVerifyResult> {
  const { row } = input;
  const problems: string[] = [];
  const fields = new Map<string, FieldMismatch>();
  const keyids = new Set<string>();
  const bundleRef = row.artifacts.find((a) => a.kind === 'attestation');
  if (!bundleRef) problems.push('the version has no attestation bundle');
  if (row.regions.length === 0) problems.push('the version is in no region');
  const regions: RegionVerifyResult[] = [];
  for (const region of bundleRef ? row.regions : []) {
    const rp: string[] = [];
    const checks: RegionArtifactCheck[] = [];
    const bundle = await readRegionBundle(await pathOrProblem(input, region, bundleRef!.digest, 'the attestation bundle', rp), bundleRef!.digest, rp);
    const results = (bundle?.envelopes ?? []).map((e, index) => ({ index, ...verifyEnvelope(e, { trusted: input.trusted, known: input.known }) }));
    for (const r of results) {
      rp.push(...r.problems.map((p) => `attestation ${r.index}${r.predicateType ? ` (${r.predicateType})` : ''}: ${p}`));
      if (r.ok && r.keyid) keyids.add(r.keyid);
    }
    const versionStatement = results.find((r) => r.ok && r.predicateType === PREDICATE_TYPES.version)?.statement as Statement<VersionPredicate> | undefined;
    if (bundle) {
      for (const type of [PREDICATE_TYPES.version, ...(input.requirePredicateTypes ?? [])]) {
        if (!results.some((r) => r.ok && r.predicateType === type)) rp.push(`missing attestation: no valid ${type} attestation`);
      }
    }
    if (versionStatement) {
      const p = versionStatement.predicate;
      const subjects = new Set(versionStatement.subject.map((s) => fromDigestSet(s.digest)));
      const rootfs = p.artifacts.find((a) => a.kind === 'rootfs')!.digest;
      for (const a of p.artifacts) if (!subjects.has(a.digest)) rp.push(`malformed statement: image-version artifact ${a.kind} ${a.digest} is not one of its subjects`);
      // The SBOM, provenance and tattoo statements must be about this version's rootfs, not another's.
      for (const r of results.filter((x) => x.ok && x.statement && x.predicateType !== PREDICATE_TYPES.version)) {
        if (!r.statement!.subject.some((s) => fromDigestSet(s.digest) === rootfs)) rp.push(`attestation ${r.index} (${r.predicateType}): subject digest mismatch: it is not about the signed rootfs ${rootfs}`);
      }
      for (const m of compareVersionRow(row, p)) fields.set(m.field, m);
      for (const a of p.artifacts) {
        // Hash the bytes the database would serve for this kind: a row pointing elsewhere is caught as a field above, and here too.
        const served = row.artifacts.find((x) => x.kind === a.kind)?.digest ?? a.digest;
        const path = await pathOrProblem(input, region, served, a.kind, rp);
        const actual = path === undefined || path === null ? undefined : await hashOrMissing(path);
        const ok = actual === a.digest;
        checks.push({ kind: a.kind, name: a.name, signed: a.digest, actual, ok });
        if (path === undefined) continue;
        if (actual === undefined) rp.push(`missing artifact: ${a.kind} ${a.name} (${served}) is not in this region`);
        else if (!ok) rp.push(`artifact digest mismatch: ${a.kind} ${a.name} is ${actual}, the signed statement says ${a.digest}`);
      }
    }
    regions.push({ region, ok: rp.length === 0, artifacts: checks, results, problems: rp });
  }
  const fieldList = [...fields.values()];
  problems.push(...fieldList.map(fieldProblem));
  for (const r of regions) problems.push(...r.problems.map((p) => `${r.region}: ${p}`));
  return { ok: problems.length === 0, keyids: [...keyids], fields: fieldList, regions, problems };
}

/** Key-sorted JSON, so equal records compare equal whatever order the database returns keys in. */
function canonical(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const walk = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(walk) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, walk((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(walk(v));
}
