import { attest as sign, createBundle, PREDICATE_TYPES, slsaProvenance, versionSubjects, type Envelope, type VersionPredicate } from '../../attest/index.js';
import { catalogRootfs, serialiseSbom, toCycloneDx, toSpdx } from '../../sbom/index.js';
import type { StepDefinition } from '../step.js';
import type { BootStepOutputs } from './boot.js';
import { finalArtifacts } from './package.js';
import type { ResolveBaseOutputs } from './resolve-base.js';

/** File name suffix of each artifact kind: `<definition>_<version>_<yyyymmdd><suffix>`. */
const SUFFIX: Record<string, string> = { rootfs: '.rootfs.tar.zst', raw: '.raw', qcow2: '.qcow2', vhd: '.vhd', 'sbom-spdx': '.spdx.json', 'sbom-cyclonedx': '.cdx.json' };

export interface AttestOutputs {
  /** Named artifacts stored beside the version: `<definition>_<version>_<yyyymmdd>.<kind>`. */
  artifacts: Array<{ kind: 'sbom-spdx' | 'sbom-cyclonedx' | 'attestation'; name: string; digest: string; size: number }>;
  packages: number;
  inventoryDigest: string;
  keyid: string;
}

/**
 * Render the SBOM (SPDX 2.3 and CycloneDX 1.6) of the final rootfs and sign four in-toto statements
 * into one DSSE bundle: SBOM and tattoo about the rootfs archive and the disk images; SLSA provenance
 * and the image-version statement about every artifact (disk images and both SBOM documents too),
 * the latter binding gallery, definition, version number, tattoo and build inputs. The inventory is
 * taken again from the final rootfs: a repair step may have changed packages since `sbom`.
 */
export const attestStep: StepDefinition = {
  name: 'attest',
  description: 'render the SBOM and sign SBOM, provenance and tattoo attestations',
  rootfs: 'reads',
  async run(ctx) {
    const rb = ctx.outputOf<ResolveBaseOutputs>('resolve-base');
    const packaged = finalArtifacts(ctx);
    const bootRecord = ctx.outputOf<BootStepOutputs>('boot').record;
    const { rootfsDigest } = packaged;
    const { tattoo } = ctx.outputOf<{ tattoo: Record<string, string> }>('tattoo');
    const early = ctx.outputOf<{ inventoryDigest: string }>('sbom');
    const { artifacts, buildRegion, keyring, clock } = ctx.services;

    const inv = await catalogRootfs(ctx.rootfs);
    const invStored = await artifacts.putBytes(buildRegion, JSON.stringify(inv));
    if (invStored.digest !== early.inventoryDigest) ctx.log('packages changed after the sbom step (a repair ran): the SBOM describes the final rootfs');
    const created = tattoo['PUBLISH_DATE']!;
    const name = `${rb.image} ${rb.version}`;
    const spdx = toSpdx(inv, { name, digest: rootfsDigest, created });
    const cdx = toCycloneDx(inv, { name, digest: rootfsDigest, created });
    const stem = `${rb.image}_${rb.version}_${created.slice(0, 10).replace(/-/g, '')}`;
    const spdxRef = await artifacts.putBytes(buildRegion, serialiseSbom(spdx));
    const cdxRef = await artifacts.putBytes(buildRegion, serialiseSbom(cdx));
    ctx.log(`SBOM: ${inv.packages.length} packages; SPDX ${spdxRef.digest.slice(0, 19)}…, CycloneDX ${cdxRef.digest.slice(0, 19)}…`);

    const bound = [
      ...packaged.artifacts.map((a) => ({ kind: a.kind as string, name: `${stem}${SUFFIX[a.kind]}`, digest: a.digest, size: a.size })),
      { kind: 'sbom-spdx', name: `${stem}.spdx.json`, ...spdxRef },
      { kind: 'sbom-cyclonedx', name: `${stem}.cdx.json`, ...cdxRef },
    ];
    const subject = { name: `${stem}.rootfs.tar.zst`, digest: rootfsDigest };
    const images = bound.filter((a) => !a.kind.startsWith('sbom-')).map((a) => ({ name: a.name, digest: a.digest }));
    const t = ctx.template.template;
    const steps = await ctx.services.runs.steps(ctx.run.id);
    const provenance = slsaProvenance({
      runId: ctx.run.id,
      startedOn: steps[0]?.startedAt ?? ctx.run.createdAt,
      finishedOn: clock(),
      template: { name: t.name, digest: ctx.template.digest },
      requestedBase: `${t.source.publisher}:${t.source.offer}:${t.source.sku}:${t.source.version}`,
      versionParams: { gallery: rb.gallery, image: rb.image, version: rb.version, versioning: t.distribute.versioning, ...ctx.run.params },
      base: { name: `${rb.base.publisher}:${rb.base.offer}:${rb.base.sku}:${rb.base.version}`, uri: `goldsmith:catalog/${rb.base.publisher}/${rb.base.offer}/${rb.base.sku}/${rb.base.version}`, digest: rb.base.digest },
      mirror: rb.mirror,
    });
    const version: VersionPredicate = {
      gallery: rb.gallery,
      imageDefinition: rb.image,
      version: rb.version,
      tattoo,
      artifacts: bound,
      inputs: {
        buildRunId: ctx.run.id,
        template: { name: t.name, digest: ctx.template.digest },
        base: { name: `${rb.base.publisher}:${rb.base.offer}:${rb.base.sku}:${rb.base.version}`, uri: `goldsmith:catalog/${rb.base.publisher}/${rb.base.offer}/${rb.base.sku}/${rb.base.version}`, digest: rb.base.digest },
        ...(rb.mirror ? { mirror: rb.mirror } : {}),
      },
      ...(bootRecord ? { boot: bootRecord } : {}),
    };
    const everything = versionSubjects(version);
    const envelopes: Envelope[] = [];
    for (const [predicateType, predicate, about] of [
      [PREDICATE_TYPES.sbom, spdx, images],
      [PREDICATE_TYPES.provenance, provenance, everything],
      [PREDICATE_TYPES.tattoo, tattoo, images],
      [PREDICATE_TYPES.version, version, everything],
    ] as const) {
      envelopes.push(await sign({ subject: [...about], predicateType, predicate: predicate as unknown as Record<string, unknown> }, keyring));
    }
    const bundle = createBundle(subject, envelopes);
    const bundleRef = await artifacts.putBytes(buildRegion, JSON.stringify(bundle, null, 2) + '\n');
    const keyid = envelopes[0]!.signatures[0]!.keyid ?? '';
    ctx.log(`signed SBOM, provenance, tattoo and image-version statements for ${bound.length} artifacts (rootfs ${rootfsDigest.slice(0, 19)}…) with key ${keyid.slice(0, 16)}`);
    const out: AttestOutputs = {
      artifacts: [
        { kind: 'sbom-spdx', name: `${stem}.spdx.json`, ...spdxRef },
        { kind: 'sbom-cyclonedx', name: `${stem}.cdx.json`, ...cdxRef },
        { kind: 'attestation', name: `${stem}.attestations.json`, ...bundleRef },
      ],
      packages: inv.packages.length,
      inventoryDigest: invStored.digest,
      keyid,
    };
    return { outputs: out as unknown as Record<string, unknown> };
  },
};
