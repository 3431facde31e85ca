import { trustFromKeyring, verifyConsumedArtifact } from '../attest/index.js';
import { resolveTrust } from '../attest/trust-source.js';
import { IntegrityError, NotFoundError } from '../errors/index.js';
import type { App } from './index.js';

export interface VersionRef {
  gallery: string;
  image: string;
  version: string;
}

/**
 * The stored file of one artifact of a version (an SBOM, a disk image), from the first region that
 * holds it, checked against the version's signed image-version statement before anyone reads it:
 * the database row alone (which names the digest) could point at another version's bytes.
 * Soft-deleted versions keep theirs.
 */
export async function verifiedArtifact(app: App, ref: VersionRef | string, kind: string, opts: { region?: string } = {}): Promise<{ path: string; name: string; digest: string; size: number; region: string }> {
  // A full id (what the server has from its path) names one version; names may match in several resource groups.
  const label = typeof ref === 'string' ? ref : `${ref.gallery}/${ref.image}/${ref.version}`;
  const v = await app.gallery.showVersion(ref);
  const art = v.artifacts.find((a) => a.kind === kind);
  if (!art) {
    throw new NotFoundError('GALLERY_ARTIFACT_NOT_FOUND', `${label} has no ${kind} artifact (it has: ${v.artifacts.map((a) => a.kind).join(', ')})`, { where: label });
  }
  const files = (v.metadata['files'] as Array<{ digest: string; name: string }> | undefined) ?? [];
  const bundle = v.artifacts.find((a) => a.kind === 'attestation');
  if (!bundle) throw new IntegrityError('GALLERY_ARTIFACT_UNVERIFIED', `${label} has no attestation bundle: its ${kind} cannot be verified`, { where: label });
  const trust = app.pipeline.trust ? await resolveTrust(app.pipeline.trust, app.keyring) : await trustFromKeyring(app.keyring);
  const known = [app.pipeline.buildRegion, ...v.replicationStatus.map((r) => r.region)];
  // Only a region the version is in: a name from the command line never becomes a path of its own.
  if (opts.region !== undefined && !known.includes(opts.region)) {
    throw new NotFoundError('GALLERY_ARTIFACT_MISSING', `${label} is not in region ${JSON.stringify(opts.region.slice(0, 80))} (it is in: ${known.join(', ')})`, { where: label });
  }
  const regions = opts.region ? [opts.region] : known;
  for (const region of regions) {
    if (!(await app.artifacts.has(region, art.digest)) || !(await app.artifacts.has(region, bundle.digest))) continue;
    const path = await app.artifacts.localPath(region, art.digest);
    const check = await verifyConsumedArtifact({ ref: typeof ref === 'string' ? { gallery: v.gallery, image: v.image, version: v.name } : ref, kind, artifactPath: path, bundlePath: await app.artifacts.localPath(region, bundle.digest), trusted: trust.trusted, known: trust.known });
    if (!check.ok) throw new IntegrityError('GALLERY_ARTIFACT_UNVERIFIED', `the ${kind} of ${label} in ${region} does not verify: ${check.problems.join('; ')}`, { where: `${label} (${region})` });
    return { path, name: files.find((f) => f.digest === art.digest)?.name ?? `${v.image}_${v.name}.${kind}`, digest: art.digest, size: art.size, region };
  }
  throw new NotFoundError('GALLERY_ARTIFACT_MISSING', `the ${kind} of ${label} (${art.digest}) is in no ${opts.region ? `store of region ${opts.region}` : "region's store"}`, { where: label });
}
