import { parseGalleryImageId, parseId } from '../arm/index.js';
import type { ChangeEvent } from '../store/index.js';
import type { ComplianceService } from './compliance-service.js';
import { parentOf } from './resource-loader.js';

type Delivered = ChangeEvent & { seq: number; at: string };

export interface TriggerStats {
  handled: number;
  /** Wall time of the last batch of events, from delivery to results committed. */
  lastLatencyMs: number;
  maxLatencyMs: number;
  errors: string[];
}

/**
 * Re-evaluates exactly what a change affects, seconds (in practice milliseconds) after it commits:
 * - resource.written / resource.deleted: that resource, and the VM an extension or guest
 *   configuration assignment belongs to (auditIfNotExists reads them);
 * - policy.assignment.*: that assignment over its scope; policy.exemption.*: the assignment over the
 *   exemption's scope; policy.definition.*: recompile;
 * - gallery.version.* / gallery.image.*: the VMs on that image definition (latest, exclusion, aging
 *   and end-of-life change their image facts).
 * Events that arrive while a batch runs are coalesced into the next batch.
 */
export class ComplianceTriggers {
  readonly stats: TriggerStats = { handled: 0, lastLatencyMs: 0, maxLatencyMs: 0, errors: [] };
  private pending: Array<{ e: Delivered; t: number }> = [];
  private running: Promise<void> | null = null;
  private unsubscribe?: () => void;

  constructor(private readonly svc: ComplianceService) {}

  start(): this {
    this.unsubscribe ??= this.svc.store.onChange((e) => this.enqueue(e));
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when every event delivered so far has been handled. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private enqueue(e: Delivered): void {
    if (!relevant(e.type)) return;
    this.pending.push({ e, t: performance.now() });
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending;
        this.pending = [];
        try {
          await this.handle(batch.map((b) => b.e));
        } catch (err) {
          this.stats.errors.push(`${batch.map((b) => b.e.type).join(',')}: ${(err as Error).message}`);
        }
        const ms = performance.now() - Math.min(...batch.map((b) => b.t));
        this.stats.handled += batch.length;
        this.stats.lastLatencyMs = ms;
        this.stats.maxLatencyMs = Math.max(this.stats.maxLatencyMs, ms);
      }
    } finally {
      this.running = null;
    }
  }

  private async handle(events: Delivered[]): Promise<void> {
    const resources = new Set<string>();
    const assignments = new Map<string, Set<string | undefined>>();
    const images = new Set<string>();
    for (const e of events) {
      if (e.type === 'resource.written' || e.type === 'resource.deleted') {
        const id = e.subject.toLowerCase();
        const kind = parseId(id)?.kind;
        if (kind === 'managementGroup' || kind === 'subscription') this.svc.invalidateScopes();
        resources.add(id);
        const parent = parentOf(id);
        if (parent) resources.add(parent);
      } else if (e.type.startsWith('policy.')) {
        this.svc.invalidatePolicies();
        if (e.type.startsWith('policy.assignment.')) addTo(assignments, e.subject, undefined);
        else if (e.type.startsWith('policy.exemption.') && typeof e.data?.assignmentId === 'string') addTo(assignments, e.data.assignmentId, typeof e.data.scope === 'string' ? e.data.scope : undefined);
      } else if (e.type.startsWith('gallery.')) {
        this.svc.invalidateGallery();
        const img = parseGalleryImageId(e.subject)?.imageId ?? (typeof e.data?.image === 'string' ? e.data.image : undefined);
        if (img) images.add(img.toLowerCase());
      }
    }
    for (const [id, scopes] of assignments) {
      if (scopes.has(undefined)) await this.svc.evaluateAssignmentScope(id);
      else for (const s of scopes) await this.svc.evaluateAssignmentScope(id, s);
    }
    if (images.size) for (const id of await vmsOnImages(this.svc, [...images])) resources.add(id);
    if (resources.size) await this.svc.evaluateResources([...resources]);
  }
}

function addTo(m: Map<string, Set<string | undefined>>, k: string, v: string | undefined): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

const relevant = (t: string) => t === 'resource.written' || t === 'resource.deleted' || t.startsWith('policy.') || t.startsWith('gallery.version.') || t.startsWith('gallery.image.');

/** VMs and scale sets whose image reference points at one of these image definitions (any version or latest). */
export async function vmsOnImages(svc: ComplianceService, imageIdsLower: string[]): Promise<string[]> {
  // resources.image_definition: the definition a VM's reference names, lower-cased (migration 0007-fleet-1).
  const rows = await svc.store.query<{ id_lower: string }>(`SELECT id_lower FROM resources WHERE image_definition = ANY($1::text[])`, [imageIdsLower]);
  return rows.map((r) => r.id_lower);
}
