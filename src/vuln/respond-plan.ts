/**
 * The emergency plan for one advisory: which versions to exclude from `latest`, which image
 * definitions to rebuild out of band, from which template, with which package pins. Reads only.
 */
import { existsSync } from 'node:fs';
import { compareVersions, parseVersion, type GalleryVersionView } from '../gallery/index.js';
import { findAdvisories, type StoredAdvisory } from './advisory-repo.js';
import { isCveId } from './advisory.js';
import { choosePin } from './choose-pin.js';
import { comparatorFor } from './ecosystems.js';
import { impactOf, type AffectedImageVersion, type ImpactVm } from './impact.js';
import type { MirrorProbe } from './mirror-probe.js';
import type { VulnDeps } from './ports.js';
import { NotFoundError } from '../errors/index.js';

export interface ExclusionPlan {
  id: string;
  gallery: string;
  image: string;
  version: string;
  regions: string[];
  /** Already excluded globally and in every region: nothing to do. */
  alreadyExcluded: boolean;
  packages: AffectedImageVersion['packages'];
}

export interface RebuildPlan {
  imageId: string;
  gallery: string;
  image: string;
  /** The highest affected version: its build run names the template and its rootfs the mirror. */
  fromVersion: string;
  runId: string | null;
  templateFile: string | null;
  templateName: string | null;
  pins: string[];
  /** Affected packages no pin could be found for, and why. */
  unpinned: Array<{ package: string; reason: string }>;
  /** Why this definition cannot be rebuilt; undefined when it can. */
  blocked?: string;
}

export interface RespondPlan {
  advisory: { id: string; aliases: string[]; summary: string | null; published: string | null; importedAt: string; related: string[] };
  /** CVE ids the rebuilt versions are tattooed with. */
  cves: string[];
  /** The other advisory ids (DSA-…, GHSA-…) they are tattooed with: the only record when there is no CVE id. */
  advisoryIds: string[];
  exclude: ExclusionPlan[];
  rebuild: RebuildPlan[];
  vms: ImpactVm[];
}

export function cveIdsOf(advisories: readonly StoredAdvisory[]): string[] {
  return [...new Set(advisories.flatMap((a) => [a.id, ...a.aliases]).filter(isCveId))].sort();
}

/** The advisories' own ids that are not CVE ids (their aliases are often other databases' ids for the same thing). */
export function advisoryIdsOf(advisories: readonly StoredAdvisory[]): string[] {
  return [...new Set(advisories.map((a) => a.id).filter((id) => !isCveId(id)))].sort();
}

export async function loadAdvisories(deps: VulnDeps<unknown>, ref: string): Promise<StoredAdvisory[]> {
  const list = await findAdvisories(deps.store, ref);
  if (!list.length) throw new NotFoundError('VULN_ADVISORY_NOT_FOUND', `no advisory ${ref} (by id or alias); import it with goldsmith cve import`, { where: ref });
  return list;
}

export async function planResponse(deps: VulnDeps<unknown>, ref: string, probe: MirrorProbe): Promise<RespondPlan> {
  const advisories = await loadAdvisories(deps, ref);
  // Every VM on an affected version, soft-deleted ones included: they all need replacing.
  const { affectedVersions: affected, vms } = await impactOf(deps.store, advisories, { vmLimit: null });
  // One listing per affected image definition, not one read per version: an advisory may hit thousands.
  const views = new Map<string, GalleryVersionView>();
  for (const v of new Map(affected.map((a) => [a.imageId, a])).values()) {
    for (const view of await deps.gallery.listVersions(v.gallery, v.image)) views.set(view.id, view);
  }

  const exclude: ExclusionPlan[] = affected.map((v) => {
    const view = views.get(v.id)!;
    return {
      id: v.id,
      gallery: v.gallery,
      image: v.image,
      version: v.version,
      regions: view.targetRegions.map((r) => r.name),
      alreadyExcluded: view.excludeFromLatest && view.targetRegions.every((r) => r.excludeFromLatest === true),
      packages: v.packages,
    };
  });

  const byImage = new Map<string, AffectedImageVersion[]>();
  for (const v of affected) byImage.set(v.imageId, [...(byImage.get(v.imageId) ?? []), v]);
  const cves = cveIdsOf(advisories);
  const rebuild: RebuildPlan[] = [];
  for (const [imageId, versions] of byImage) {
    const top = versions.reduce((a, b) => (compareVersions(parseVersion(a.version), parseVersion(b.version)) >= 0 ? a : b));
    rebuild.push(await planRebuild(deps, imageId, top, views.get(top.id)!, probe));
  }
  const main = advisories[0]!;
  return {
    advisory: { id: main.id, aliases: main.aliases, summary: main.summary, published: main.published, importedAt: main.importedAt, related: advisories.slice(1).map((a) => a.id) },
    cves,
    advisoryIds: advisoryIdsOf(advisories),
    exclude,
    rebuild,
    vms,
  };
}

async function planRebuild(deps: VulnDeps<unknown>, imageId: string, top: AffectedImageVersion, view: GalleryVersionView, probe: MirrorProbe): Promise<RebuildPlan> {
  const templateName = typeof view.metadata['templateName'] === 'string' ? view.metadata['templateName'] : null;
  const plan: RebuildPlan = { imageId, gallery: top.gallery, image: top.image, fromVersion: top.version, runId: view.buildRunId ?? null, templateFile: null, templateName, pins: [], unpinned: [] };
  if (!view.buildRunId) return { ...plan, blocked: `version ${top.version} has no build run, so its template is unknown; rebuild it by hand` };
  const run = await deps.builds.run(view.buildRunId);
  if (!run) return { ...plan, blocked: `build run ${view.buildRunId} of version ${top.version} is no longer recorded` };
  plan.templateFile = run.templateFile;
  plan.templateName = run.templateName;
  if (!existsSync(run.templateFile)) return { ...plan, blocked: `template ${run.templateFile} (of run ${run.id}) does not exist any more` };

  const rootfs = view.artifacts.find((a) => a.kind === 'rootfs');
  const names = [...new Set(top.packages.map((p) => p.name))];
  const offered = rootfs ? await probe.available(await deps.artifacts.localPath(view.location, rootfs.digest), names) : {};
  const eco = top.packages[0] ? (await ecosystemOfVersion(deps, top.id)) : undefined;
  const cmp = (eco && comparatorFor(eco)) || comparatorFor('Debian:12')!;
  for (const hit of top.packages) {
    const c = choosePin(hit, offered[hit.name] ?? [], cmp);
    if (c.ok) {
      if (!plan.pins.includes(c.pin)) plan.pins.push(c.pin);
    } else plan.unpinned.push({ package: hit.name, reason: c.reason });
  }
  if (!rootfs) plan.blocked = `version ${top.version} has no rootfs artifact to ask its mirror`;
  else if (!plan.pins.length) plan.blocked = `no fixed package is available: ${plan.unpinned.map((u) => u.reason).join('; ')}`;
  return plan;
}

async function ecosystemOfVersion(deps: VulnDeps<unknown>, versionId: string): Promise<string | undefined> {
  const [row] = await deps.store.query<{ ecosystem: string }>(`SELECT ecosystem FROM image_packages WHERE version_id = $1 LIMIT 1`, [versionId]);
  return row?.ecosystem;
}
