/**
 * `goldsmith cve respond`: plan, and with apply, act: exclude every affected version from `latest`
 * in every region, rebuild each affected image definition out of band with the fixed packages
 * pinned (the full pipeline, validation included), index and re-check what was published, and
 * time every step.
 */
import { recordCveEvent, type TimelineEntry, type TimelineStep } from './cve-timeline.js';
import { affectedVersionsFor } from './impact.js';
import { indexRunInventory } from './index-run.js';
import { AptMirrorProbe, type MirrorProbe } from './mirror-probe.js';
import type { BuildRunView, VulnDeps } from './ports.js';
import { loadAdvisories, planResponse, type RespondPlan } from './respond-plan.js';

/** A step of the response, or a progress event `E` of one of its rebuilds (the pipeline's, passed through). */
export type RespondEvent<E = unknown> =
  | { type: 'step'; step: TimelineStep; at: string; message: string; data?: Record<string, unknown> }
  | { type: 'build'; image: string; event: E };

export interface RebuildOutcome {
  imageId: string;
  runId: string;
  state: BuildRunView['state'];
  /** The new gallery version id when the run published. */
  versionId?: string;
  /** Whether the advisory still matches the new version (it should not). */
  stillAffected?: boolean;
  error?: { code: string; message: string } | null;
}

export interface RespondResult {
  plan: RespondPlan;
  applied: boolean;
  excluded: string[];
  rebuilds: RebuildOutcome[];
  timeline: TimelineEntry[];
  /** From import of the advisory to the last published rebuild (or the end of the response). */
  totalMs?: number;
  ok: boolean;
}

export interface RespondOptions<E = unknown> {
  apply?: boolean;
  onEvent?: (e: RespondEvent<E>) => void;
  probe?: MirrorProbe;
  /** Why the versions are excluded, recorded in the timeline. */
  reason?: string;
}

export async function respond<E>(deps: VulnDeps<E>, ref: string, opts: RespondOptions<E> = {}): Promise<RespondResult> {
  const probe = opts.probe ?? new AptMirrorProbe();
  const timeline: TimelineEntry[] = [];
  const plan = await planResponse(deps, ref, probe);
  const cve = plan.advisory.id;
  if (plan.advisory.published) timeline.push({ step: 'published', at: plan.advisory.published });
  timeline.push({ step: 'imported', at: plan.advisory.importedAt });
  const step = async (s: TimelineStep, message: string, data?: Record<string, unknown>) => {
    const e = opts.apply ? await recordCveEvent(deps.store, cve, s, deps.clock(), data) : { step: s, at: deps.clock().toISOString(), ...(data ? { data } : {}) };
    timeline.push(e);
    opts.onEvent?.({ type: 'step', step: s, at: e.at, message, ...(data ? { data } : {}) });
  };
  await step('matched', `${plan.exclude.length} affected version(s), ${plan.vms.length} VM(s), ${plan.rebuild.length} image definition(s) to rebuild`, {
    versions: plan.exclude.map((e) => e.id),
    vms: plan.vms.length,
  });
  const result: RespondResult = { plan, applied: !!opts.apply, excluded: [], rebuilds: [], timeline, ok: true };
  if (!opts.apply) return result;

  const reason = opts.reason ?? `affected by ${[...new Set([cve, ...plan.cves, ...plan.advisoryIds])].join(', ')}`;
  for (const e of plan.exclude) {
    if (!e.alreadyExcluded) {
      await deps.gallery.updateVersion(e.id, {
        excludeFromLatest: true,
        regionExcludeFromLatest: e.regions.map((region) => ({ region, excludeFromLatest: true })),
        // Why, on the version itself (the timeline has it too).
        metadata: { exclusion: { reason, cves: plan.cves, at: deps.clock().toISOString() } },
      });
    }
    result.excluded.push(e.id);
    await step('excluded', `${e.gallery}/${e.image}/${e.version} excluded from latest in ${e.regions.join(', ')}`, { version: e.id, regions: e.regions, reason, cves: plan.cves });
  }

  const patchDate = deps.clock().toISOString().slice(0, 10);
  const advisories = await loadAdvisories(deps, ref);
  for (const r of plan.rebuild) {
    if (r.blocked || !r.templateFile) {
      result.ok = false;
      await step('failed', `${r.gallery}/${r.image} not rebuilt: ${r.blocked}`, { image: r.imageId, reason: r.blocked });
      continue;
    }
    await step('rebuild-started', `${r.gallery}/${r.image}: out-of-band build of ${r.templateFile} with ${r.pins.join(' ')}`, { image: r.imageId, template: r.templateFile, pins: r.pins });
    const run = await deps.builds.start(r.templateFile, {
      params: { emergency: { cves: plan.cves, advisories: plan.advisoryIds, patchDate, pins: r.pins } },
      onEvent: (event) => opts.onEvent?.({ type: 'build', image: `${r.gallery}/${r.image}`, event }),
    });
    const outcome: RebuildOutcome = { imageId: r.imageId, runId: run.id, state: run.state, error: run.error };
    result.rebuilds.push(outcome);
    await step('rebuilt', `${r.gallery}/${r.image}: run ${run.id} ${run.state}`, { image: r.imageId, run: run.id, state: run.state });
    if (run.state !== 'succeeded') {
      result.ok = false;
      continue;
    }
    const pub = run.outputs['publish'] as { gallery: string; image: string; version: string } | undefined;
    if (!pub) continue;
    const v = await deps.gallery.showVersion({ gallery: pub.gallery, image: pub.image, version: pub.version });
    outcome.versionId = v.id;
    await step('version-published', `${pub.gallery}/${pub.image}/${pub.version} published (OOB=${v.tattoo['OOB'] ?? '?'}, CVE_IDS=${v.tattoo['CVE_IDS'] ?? ''}, ADVISORY_IDS=${v.tattoo['ADVISORY_IDS'] ?? ''})`, { version: v.id, run: run.id });
    await indexRunInventory(deps, run, v.id);
    outcome.stillAffected = (await affectedVersionsFor(deps.store, advisories)).some((a) => a.id === v.id);
    if (outcome.stillAffected) result.ok = false;
    await step('verified', `${pub.gallery}/${pub.image}/${pub.version} ${outcome.stillAffected ? 'is STILL affected' : 'is not affected'}`, { version: v.id, stillAffected: outcome.stillAffected });
  }
  const start = Date.parse(plan.advisory.importedAt);
  result.totalMs = Date.parse(timeline[timeline.length - 1]!.at) - start;
  return result;
}
