import { REQUIRED_FOR_PUBLISH, trustFromKeyring, verifyStoredVersion } from '../../attest/index.js';
import { resolveTrust } from '../../attest/trust-source.js';
import { FailedError, InputError, IntegrityError } from '../../errors/index.js';
import { parseSpdx, type Inventory } from '../../sbom/index.js';
import { recordImagePackages } from '../../vuln/image-packages.js';
import type { AttestOutputs } from './attest.js';
import type { StepDefinition } from '../step.js';
import type { BootStepOutputs } from './boot.js';
import type { TattooBootOutputs } from './tattoo.js';
import { isTrustedLaunch } from '../../template/semantic-checks.js';
import { finalArtifacts } from './package.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/**
 * Replicate the artifacts into every target region, then make the version visible in the gallery in
 * the same transaction that marks the run succeeded. Replication copies content-addressed blobs, so a
 * run killed after it and before the commit leaves nothing visible and simply replicates (no-op) again.
 */
export const publish: StepDefinition = {
  name: 'publish',
  description: 'replicate to target regions and publish the gallery version',
  rootfs: 'none',
  async run(ctx) {
    const d = ctx.template.template.distribute;
    const rb = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const { artifacts } = finalArtifacts(ctx);
    const bootRecord = ctx.outputOf<BootStepOutputs>('boot').record;
    const bootable = ctx.outputOf<{ boot?: TattooBootOutputs }>('tattoo').boot?.bootable === true;
    if (!bootable && (d.hyperVGeneration === 'V2' || isTrustedLaunch(d.securityType))) {
      throw new InputError('PUBLISH_NOT_BOOTABLE', `distribute claims ${d.hyperVGeneration === 'V2' ? 'hyperVGeneration V2' : `securityType ${d.securityType}`}, but the image cannot boot (no kernel, shim and signed grub): build it on a bootable base (e.g. Debian:debian-12:12-gen2) or publish as V1 without Trusted Launch`, { where: '/distribute' });
    }
    const { tattoo } = ctx.outputOf<{ tattoo: Record<string, string> }>('tattoo');
    const attested = ctx.outputOf<AttestOutputs>('attest');
    const { gallery, buildRegion, artifacts: store, keyring } = ctx.services;

    // The gate: no version without a valid SBOM, and signatures over the exact bytes of every artifact
    // binding the very row about to be written (gallery, definition, version, tattoo, inputs).
    const bundle = attested.artifacts.find((a) => a.kind === 'attestation');
    const spdx = attested.artifacts.find((a) => a.kind === 'sbom-spdx');
    if (!bundle || !spdx) throw new IntegrityError('PUBLISH_UNATTESTED', 'refusing to publish: the SBOM or the attestation bundle is missing');
    parseSpdx(JSON.parse((await store.getBytes(buildRegion, spdx.digest)).toString('utf8')));
    const all = [...artifacts, ...attested.artifacts];
    const metadata = {
      templateName: ctx.template.template.name,
      templateDigest: ctx.template.digest,
      base: rb.base,
      files: attested.artifacts.map((a) => ({ kind: a.kind, name: a.name, digest: a.digest })),
      signingKey: attested.keyid,
      ...(bootRecord ? { boot: bootRecord } : {}),
    };
    // The trust verifiers will use: a pinned trust file when the operator set one, so a version signed
    // by a key they would not trust is never published.
    const trust = ctx.services.trust ? await resolveTrust(ctx.services.trust, keyring) : { ...(await trustFromKeyring(keyring)), source: { label: 'the data directory\'s trust list' } };
    const verdict = await verifyStoredVersion({
      row: { gallery: d.gallery, image: d.image, version: rb.version, artifacts: all, tattoo, buildRunId: ctx.run.id, metadata, regions: [buildRegion] },
      pathOf: (region, digest) => store.localPath(region, digest),
      requirePredicateTypes: [...REQUIRED_FOR_PUBLISH],
      trusted: trust.trusted,
      known: trust.known,
    });
    if (!verdict.ok) {
      throw new IntegrityError('PUBLISH_UNVERIFIED', `refusing to publish: attestations do not verify: ${verdict.problems.join('; ')}`, {
        data: { problems: verdict.problems },
      });
    }
    ctx.log(`verified SBOM, provenance, tattoo and image-version signatures over ${verdict.regions[0]?.artifacts.length ?? 0} artifacts (trust: ${trust.source.label})`);
    const inventory = JSON.parse((await store.getBytes(buildRegion, attested.inventoryDigest)).toString('utf8')) as Inventory;

    // A gallery made on first publish lives in the first target region (Azure galleries have a real location).
    await gallery.ensureGallery({ name: d.gallery, location: d.targetRegions[0]!.name });
    await gallery.ensureImageDefinition({
      gallery: d.gallery,
      name: d.image,
      identifier: d.identifier ?? { publisher: 'Goldsmith', offer: rb.base.offer, sku: d.image },
      osType: d.osType ?? 'Linux',
      osState: 'Generalized',
      hyperVGeneration: d.hyperVGeneration ?? (bootable ? 'V2' : 'V1'),
      securityType: d.securityType,
    });
    const replication = await gallery.replicateArtifacts(
      all.map((a) => a.digest),
      buildRegion,
      d.targetRegions,
      (p) => ctx.log(`replicate ${p.digest.slice(0, 19)}… → ${p.region} (${p.done}/${p.total})`),
    );
    const failed = replication.filter((r) => r.state !== 'Completed');
    if (failed.length) {
      throw new FailedError('PUBLISH_REPLICATION_FAILED', `replication failed to ${failed.map((r) => `${r.region}: ${r.details}`).join('; ')}`, {
        data: { replication },
      });
    }
    for (const r of replication) ctx.log(`region ${r.region}: ${r.state}, ${r.replicaCount} replica(s), ${r.copied} blob(s) copied`);
    const em = ctx.run.params.emergency;
    return {
      outputs: { gallery: d.gallery, image: d.image, version: rb.version, regions: replication.map((r) => r.region) },
      commit: async (tx) => {
        const published = await gallery.publishVersion(
          {
            gallery: d.gallery,
            image: d.image,
            version: rb.version,
            location: d.targetRegions[0]!.name,
            targetRegions: d.targetRegions,
            excludeFromLatest: d.excludeFromLatest,
            endOfLifeDate: d.endOfLifeDate,
            publishedDate: tattoo['PUBLISH_DATE'],
            artifacts: all.map((a) => ({ kind: a.kind, digest: a.digest, size: a.size })),
            tattoo,
            buildRunId: ctx.run.id,
            replication,
            metadata: { ...metadata, ...(em ? { emergency: em } : {}) },
          },
          tx,
        );
        // The package index the CVE blast radius queries, visible together with the version.
        const n = await recordImagePackages(tx, published.id, inventory);
        ctx.log(`indexed ${n} packages for vulnerability matching`);
        ctx.log(`published ${d.gallery}/${d.image}/${rb.version}`);
      },
    };
  },
};
