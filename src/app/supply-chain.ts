/**
 * Supply-chain reads both edges serve: a version's SBOM document (verified against its signed
 * statement) and the offline verification of a published version. Kept here, over the app, so the
 * CLI and the server answer the same thing the same way.
 */
import { readFile } from 'node:fs/promises';
import { Keyring, resolveTrust, storedVersion, verifyStoredVersion, type ResolvedTrust, type VersionVerifyResult } from '../attest/index.js';
import type { Config } from '../config/index.js';
import { IntegrityError, isGoldsmithError, NotFoundError } from '../errors/index.js';
import type { App } from './index.js';
import { verifiedArtifact } from './verified-artifact.js';

export type VersionRefParts = { gallery: string; image: string; version: string };
export type SbomKind = 'sbom-spdx' | 'sbom-cyclonedx';

/** The stored SBOM document of a version, verified against its signed statement (verifiedArtifact). */
export async function sbomDocument(app: App, ref: VersionRefParts | string, kind: SbomKind = 'sbom-spdx'): Promise<{ text: string; name: string }> {
  const label = typeof ref === 'string' ? ref : `${ref.gallery}/${ref.image}/${ref.version}`;
  try {
    const a = await verifiedArtifact(app, ref, kind);
    return { text: await readFile(a.path, 'utf8'), name: a.name };
  } catch (e) {
    // The SBOM commands keep their own codes, which scripts already match on.
    if (isGoldsmithError(e) && e.code === 'GALLERY_ARTIFACT_NOT_FOUND') throw new NotFoundError('SBOM_NOT_FOUND', e.message, { where: label });
    if (isGoldsmithError(e) && e.code === 'GALLERY_ARTIFACT_UNVERIFIED') throw new IntegrityError('SBOM_UNVERIFIED', e.message, { where: e.where });
    if (isGoldsmithError(e) && e.code === 'GALLERY_ARTIFACT_MISSING') throw new NotFoundError('SBOM_BLOB_MISSING', e.message, { where: label });
    throw e;
  }
}

/** Whose keys decide: --trust-file, else the configured trust file, trusted keys or the data directory's list. */
export function trustFor(c: Config, trustFile?: string): Promise<ResolvedTrust> {
  return resolveTrust({ home: c.home, trustFile: trustFile ?? c.trustFile, trustedKeysPem: c.trustedKeys }, Keyring.forHome(c.home));
}

/** Verify a published version offline: every artifact's bytes in each region it was replicated to, and its row. */
export async function verifyVersion(app: App, ref: VersionRefParts | string, trust: ResolvedTrust, required: string[]): Promise<VersionVerifyResult> {
  const v = await app.gallery.showVersion(ref);
  return verifyStoredVersion({
    row: storedVersion(v),
    pathOf: (region, digest) => app.artifacts.localPath(region, digest),
    requirePredicateTypes: required,
    trusted: trust.trusted,
    known: trust.known,
  });
}
