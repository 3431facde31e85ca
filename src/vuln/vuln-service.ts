/**
 * Use cases of vulnerability management over one store: import and list advisories, blast radius,
 * the emergency response and its timeline. Built by the composition root like the other services;
 * builds are reached through the port it is given (ports.ts), never through the app or pipeline.
 */
import { importAdvisories, type ImportResult } from './import-advisories.js';
import { findAdvisories } from './advisory-repo.js';
import { cveTimeline, type TimelineEntry } from './cve-timeline.js';
import { impact, type Impact, type ImpactOptions } from './impact.js';
import { indexRunInventory } from './index-run.js';
import { summarizeAdvisories, type AdvisorySummary } from './list-advisories.js';
import { AptMirrorProbe, type MirrorProbe } from './mirror-probe.js';
import type { BuildRunView, VulnDeps } from './ports.js';
import type { AdvisoryFormat } from './read-advisories.js';
import { respond, type RespondOptions, type RespondResult } from './respond.js';
import { planResponse, type RespondPlan } from './respond-plan.js';

export class VulnService<E = unknown> {
  constructor(private readonly deps: VulnDeps<E>) {}

  import(path: string, opts: { format?: AdvisoryFormat } = {}): Promise<ImportResult> {
    return importAdvisories(this.deps.store, path, { ...opts, now: this.deps.clock() });
  }

  list(opts: { limit?: number; package?: string } = {}): Promise<AdvisorySummary[]> {
    return summarizeAdvisories(this.deps.store, opts);
  }

  impact(ref: string, opts: ImpactOptions = {}): Promise<Impact> {
    return impact(this.deps.store, ref, opts);
  }

  /** What `respond` would do, without doing it. The probe asks each image's mirror for fixed versions. */
  plan(ref: string, probe: MirrorProbe = new AptMirrorProbe()): Promise<RespondPlan> {
    return planResponse(this.deps, ref, probe);
  }

  respond(ref: string, opts: RespondOptions<E> = {}): Promise<RespondResult> {
    return respond(this.deps, ref, opts);
  }

  /** Every recorded step of the response to an advisory (by id or alias). */
  async timeline(ref: string): Promise<TimelineEntry[]> {
    const [a] = await findAdvisories(this.deps.store, ref);
    return cveTimeline(this.deps.store, a?.id ?? ref, a?.published);
  }

  /** Index a published version's packages from its build run's inventory (when publish has not). */
  indexRunInventory(run: BuildRunView, versionId: string, opts: { force?: boolean } = {}): Promise<number> {
    return indexRunInventory(this.deps, run, versionId, opts);
  }
}
