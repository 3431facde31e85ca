/** A stored gallery version signed the way the attest step signs one, without a real build (seconds, not minutes). */
import { createBundle, PREDICATE_TYPES, attest, versionSubjects, type Signer, type VersionPredicate } from '../../src/attest/index.js';
import type { App } from '../../src/app/index.js';
import type { ArtifactKind } from '../../src/gallery/index.js';
import { provenancePredicate, sha256, spdxPredicate } from './support.js';

export const REGIONS = [
  { name: 'westeurope', replicaCount: 1 },
  { name: 'eastus', replicaCount: 1 },
];

const KINDS: Array<[ArtifactKind, string]> = [
  ['rootfs', 'rootfs.tar.zst'],
  ['raw', 'raw'],
  ['qcow2', 'qcow2'],
  ['vhd', 'vhd'],
  ['sbom-spdx', 'spdx.json'],
  ['sbom-cyclonedx', 'cdx.json'],
];

export function tattooOf(version: string): Record<string, string> {
  return { IMAGE_NAME: 'img', IMAGE_VERSION: version, PUBLISH_DATE: '2026-11-30T12:00:00Z', BASE_IMAGE: 'Debian:debian-12:minbase:0.20240101.0', BUILD_RUN_ID: `run-${version}` };
}

/** Publish `gallery/img/<version>` with every artifact kind, replicated to REGIONS, signed by `signer`. */
export async function publishSignedVersion(app: App, version: string, signer: Signer = app.keyring, gallery = 'g') {
  await app.gallery.ensureGallery({ name: gallery, location: 'westeurope' });
  await app.gallery.ensureImageDefinition({ gallery, name: 'img', identifier: { publisher: 'Contoso', offer: 'Golden', sku: 'img' }, osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2' });
  const stem = `img_${version}_20261130`;
  const artifacts = [];
  for (const [kind, ext] of KINDS) {
    const ref = await app.artifacts.putBytes('local', `${kind} bytes of ${gallery}/img/${version}`);
    artifacts.push({ kind, name: `${stem}.${ext}`, ...ref });
  }
  const tattoo = tattooOf(version);
  const templateDigest = sha256('template');
  const predicate: VersionPredicate = {
    gallery,
    imageDefinition: 'img',
    version,
    tattoo,
    artifacts,
    inputs: { buildRunId: `run-${version}`, template: { name: 'hardened', digest: templateDigest }, base: { name: 'base', uri: 'goldsmith:catalog/x', digest: sha256('base') } },
  };
  const all = versionSubjects(predicate);
  const images = all.filter((s) => !/\.(spdx|cdx)\.json$/.test(s.name));
  const envelopes = [
    await attest({ subject: images, predicateType: PREDICATE_TYPES.sbom, predicate: spdxPredicate() }, signer),
    await attest({ subject: all, predicateType: PREDICATE_TYPES.provenance, predicate: provenancePredicate() }, signer),
    await attest({ subject: images, predicateType: PREDICATE_TYPES.tattoo, predicate: tattoo }, signer),
    await attest({ subject: all, predicateType: PREDICATE_TYPES.version, predicate }, signer),
  ];
  const bundleRef = await app.artifacts.putBytes('local', JSON.stringify(createBundle(all[0]!, envelopes)));
  const refs = [...artifacts.map(({ kind, digest, size }) => ({ kind, digest, size })), { kind: 'attestation' as const, ...bundleRef }];
  const replication = await app.gallery.replicateArtifacts(refs.map((r) => r.digest), 'local', REGIONS);
  await app.gallery.publishVersion({
    gallery,
    image: 'img',
    version,
    location: 'westeurope',
    targetRegions: REGIONS,
    artifacts: refs,
    tattoo,
    buildRunId: `run-${version}`,
    replication,
    metadata: { templateDigest, base: { digest: sha256('base') } },
  });
  return { artifacts: refs, tattoo, predicate };
}
