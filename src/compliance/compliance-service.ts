import { NotFoundError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { AssignmentsRepo, normaliseAssignment } from './assignments-repo.js';
import { DefinitionsRepo } from './definitions-repo.js';
import { evaluateResource, type LoadedResource, type ResultSink } from './evaluate-resource.js';
import { galleryImageFacts, type ImageFactsSource } from './image-facts.js';
import { AstCache, prepareAssignment, type DefinitionSource, type PreparedAssignment } from './prepare.js';
import { loadResources } from './resource-loader.js';
import { removeOrphans, replaceResults, startDiff, writeDiff } from './results-repo.js';
import { resultsForResource, type ListedResult } from './summary.js';
import { assertScopeExists, parseScope, ScopeIndex, type ParsedScope } from './scopes.js';
import type { AssignmentInput, AssignmentRecord, ComplianceResult, ExemptionInput, ExemptionRecord } from './types.js';

export interface ComplianceServiceOptions {
  clock?: () => Date;
  /** Image lifecycle facts for Goldsmith.* aliases; defaults to reading the gallery's documents. */
  imageFacts?: ImageFactsSource;
  /** Resources per write transaction during a scan. */
  batchSize?: number;
}

export interface ScanReport {
  scope: string | null;
  assignments: number;
  resources: number;
  results: number;
  /** Rows written because their state changed (or are new), and rows deleted. Unchanged rows are left alone. */
  written: number;
  deleted: number;
  byState: Record<string, number>;
  /** Time spent evaluating (pure CPU) and in total, in milliseconds. */
  evaluateMs: number;
  totalMs: number;
}

/** The context an evaluation pass shares: everything loaded once per pass. */
export interface EvaluationPass {
  now: Date;
  nowIso: string;
  scopes: ScopeIndex;
  exemptions: ExemptionRecord[];
  galleryIndex: unknown;
}

/**
 * Assignments, exemptions and compliance results over the resources table. Every pass compiles each
 * (definition, parameters) once, loads the resources once with their computed facts, evaluates, and
 * writes the results in one transaction per batch. scan() returns only when everything is written.
 */
export class ComplianceService {
  readonly definitions: DefinitionsRepo;
  readonly assignments: AssignmentsRepo;
  readonly clock: () => Date;
  readonly imageFacts: ImageFactsSource;
  private readonly asts = new AstCache();
  private preparedCache?: Promise<PreparedAssignment[]>;
  private galleryCache?: Promise<unknown>;
  private scopeCache?: Promise<ScopeIndex>;
  private exemptionCache?: Promise<ExemptionRecord[]>;
  private readonly batchSize: number;

  constructor(readonly store: Store, opts: ComplianceServiceOptions = {}) {
    this.definitions = new DefinitionsRepo(store);
    this.assignments = new AssignmentsRepo(store);
    this.clock = opts.clock ?? (() => new Date());
    this.imageFacts = opts.imageFacts ?? galleryImageFacts;
    this.batchSize = opts.batchSize ?? 2000;
  }

  readonly source: DefinitionSource = {
    definition: (id) => this.definitions.getDefinition(id),
    setDefinition: (id) => this.definitions.getSetDefinition(id),
  };

  /** Forget compiled assignments (definitions or assignments changed). */
  invalidatePolicies(): void {
    this.preparedCache = undefined;
    this.exemptionCache = undefined;
    this.asts.clear();
  }
  /** Forget management group membership (a management group or subscription document changed). */
  invalidateScopes(): void {
    this.scopeCache = undefined;
  }

  async createExemption(input: ExemptionInput): Promise<ExemptionRecord> {
    const e = await this.assignments.createExemption(input);
    this.invalidatePolicies();
    return e;
  }

  async deleteExemption(idOrName: string): Promise<ExemptionRecord> {
    const e = await this.assignments.deleteExemption(idOrName);
    this.invalidatePolicies();
    return e;
  }

  /** Create an exemption and re-evaluate what it covers, so results say Exempt at once (CLI and API). */
  async exempt(input: ExemptionInput): Promise<ExemptionRecord & { evaluation: ScanReport | null }> {
    const e = await this.createExemption(input);
    return { ...e, evaluation: await this.evaluateAssignmentScope(e.policyAssignmentId, e.scope) };
  }

  /** Delete an exemption and re-evaluate what it covered. */
  async unexempt(idOrName: string): Promise<ExemptionRecord> {
    const e = await this.deleteExemption(idOrName);
    await this.evaluateAssignmentScope(e.policyAssignmentId, e.scope);
    return e;
  }
  /** Forget the gallery index (a version was published, excluded, aged or deleted). */
  invalidateGallery(): void {
    this.galleryCache = undefined;
  }

  /** Validate a draft fully (structure, definition, scope, parameters) without saving it. */
  async validateAssignment(input: AssignmentInput): Promise<PreparedAssignment> {
    await this.definitions.ensureBuiltins();
    const a = normaliseAssignment(input, this.clock().toISOString());
    try {
      if (a.isSet) await this.definitions.getSetDefinition(a.policyDefinitionId);
      else await this.definitions.getDefinition(a.policyDefinitionId);
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotFoundError(e.code, e.message, { where: '/policyDefinitionId' });
      throw e;
    }
    await this.assignments.assertScope(a);
    const ex = a.nonComplianceMessages.find((m) => m.policyDefinitionReferenceId);
    const prepared = await prepareAssignment(a, this.source, this.asts);
    if (ex && !prepared.refs.some((r) => r.referenceId.toLowerCase() === ex.policyDefinitionReferenceId!.toLowerCase()))
      throw new NotFoundError('COMPLIANCE_REFERENCE_NOT_FOUND', `no policyDefinitionReferenceId '${ex.policyDefinitionReferenceId}' in ${a.policyDefinitionId}`, { where: '/nonComplianceMessages' });
    return prepared;
  }

  async createAssignment(input: AssignmentInput, opts: { replace?: boolean } = {}): Promise<AssignmentRecord> {
    const p = await this.validateAssignment(input);
    const saved = await this.assignments.save(p.assignment, opts);
    this.invalidatePolicies();
    return saved;
  }

  async deleteAssignment(idOrName: string): Promise<AssignmentRecord> {
    const a = await this.assignments.delete(idOrName);
    this.invalidatePolicies();
    return a;
  }

  /** Every stored assignment, compiled. One that no longer compiles is reported, not skipped silently. */
  prepared(): Promise<PreparedAssignment[]> {
    this.preparedCache ??= (async () => {
      await this.definitions.ensureBuiltins();
      const out: PreparedAssignment[] = [];
      for (const a of await this.assignments.list()) out.push(await prepareAssignment(a, this.source, this.asts));
      return out;
    })();
    this.preparedCache.catch(() => (this.preparedCache = undefined));
    return this.preparedCache;
  }

  galleryIndex(): Promise<unknown> {
    this.galleryCache ??= this.imageFacts.load(this.store);
    this.galleryCache.catch(() => (this.galleryCache = undefined));
    return this.galleryCache;
  }

  /**
   * What every evaluation in a pass shares. `cached` reuses the hierarchy, exemptions and gallery
   * index between passes (triggers keep them fresh through invalidate*); scans read everything anew.
   */
  async pass(opts: { cached?: boolean } = {}): Promise<EvaluationPass> {
    const now = this.clock();
    if (!opts.cached) {
      this.scopeCache = undefined;
      this.exemptionCache = undefined;
      this.galleryCache = undefined;
    }
    this.scopeCache ??= ScopeIndex.load(this.store);
    this.exemptionCache ??= this.assignments.listExemptions();
    const [scopes, exemptions, galleryIndex] = await Promise.all([this.scopeCache, this.exemptionCache, this.galleryIndex()]).catch((e: unknown) => {
      this.scopeCache = this.exemptionCache = this.galleryCache = undefined;
      throw e;
    });
    return { now, nowIso: now.toISOString(), scopes, exemptions, galleryIndex };
  }

  async load(pass: EvaluationPass, sel: { scope?: ParsedScope; idsLower?: string[] }): Promise<LoadedResource[]> {
    const scopeLower = sel.scope && sel.scope.kind !== 'managementGroup' ? sel.scope.lower : undefined;
    const rows = await loadResources(this.store, { scopeLower, idsLower: sel.idsLower, facts: this.imageFacts, galleryIndex: pass.galleryIndex, now: pass.now });
    return sel.scope?.kind === 'managementGroup' ? rows.filter((r) => pass.scopes.contains(sel.scope!.lower, r.idLower)) : rows;
  }

  /** `detail`: reasons and traces for every state; `lazy`: none yet, each result's explain() fills them. */
  evaluateAll(assignments: readonly PreparedAssignment[], resources: readonly LoadedResource[], pass: EvaluationPass, mode: { detail?: boolean; lazy?: boolean } = {}): ComplianceResult[] {
    const out: ComplianceResult[] = [];
    this.evaluateInto(assignments, resources, pass, mode, out);
    return out;
  }

  /** evaluateAll, pushing each result to `sink` as it is produced (a scan keeps only changed ones). */
  evaluateInto(assignments: readonly PreparedAssignment[], resources: readonly LoadedResource[], pass: EvaluationPass, mode: { detail?: boolean; lazy?: boolean }, sink: ResultSink): void {
    const opts = { scopes: pass.scopes, exemptions: pass.exemptions, now: pass.now, nowIso: pass.nowIso, detail: mode.detail, lazy: mode.lazy };
    for (const r of resources) evaluateResource(assignments, r, opts, sink);
  }

  /**
   * Evaluate every assignment that overlaps `scope` (all when absent) over every resource in it,
   * and replace the stored results. Returns when every batch is committed.
   */
  async scan(scope?: string, only?: (a: PreparedAssignment) => boolean): Promise<ScanReport> {
    const t0 = performance.now();
    const s = scope ? parseScope(scope, 'scope') : undefined;
    if (s) await assertScopeExists(this.store, s, 'scope');
    const pass = await this.pass();
    const all = await this.prepared();
    const assignments = all.filter((a) => (!s || pass.scopes.contains(a.scopeLower, s.lower) || pass.scopes.contains(s.lower, a.scopeLower)) && (!only || only(a)));
    const resources = await this.load(pass, { scope: s });
    const ids = assignments.map((a) => a.assignment.id);
    const byState: Record<string, number> = {};
    let evaluateMs = 0;
    let results = 0;
    let written = 0;
    let deleted = 0;
    for (let i = 0; i < resources.length; i += this.batchSize) {
      const batch = resources.slice(i, i + this.batchSize);
      const w = await this.store.tx(async (q) => {
        // Compare with the stored rows while evaluating: only changed results are kept.
        const diff = await startDiff(q, ids, batch.map((r) => r.idLower));
        const e0 = performance.now();
        this.evaluateInto(assignments, batch, pass, { lazy: true }, diff);
        evaluateMs += performance.now() - e0;
        for (const [k, n] of Object.entries(diff.byState)) byState[k] = (byState[k] ?? 0) + n;
        results += diff.results;
        return writeDiff(q, diff);
      });
      written += w.written;
      deleted += w.deleted;
    }
    // Results of resources that are gone (a trigger normally removes them at once).
    deleted += await this.store.tx((q) => removeOrphans(q, ids, s && s.kind !== 'managementGroup' ? s.lower : undefined));
    return { scope: s?.id ?? null, assignments: assignments.length, resources: resources.length, results, written, deleted, byState, evaluateMs, totalMs: performance.now() - t0 };
  }

  /** Re-evaluate exactly these resources under every assignment (a resource write or delete). */
  async evaluateResources(idsLower: string[]): Promise<number> {
    if (!idsLower.length) return 0;
    const pass = await this.pass({ cached: true });
    const assignments = await this.prepared();
    const resources = await this.load(pass, { idsLower });
    const out = this.evaluateAll(assignments, resources, pass);
    await this.store.tx((q) => replaceResults(q, { assignmentIds: assignments.map((a) => a.assignment.id), resourceIdsLower: idsLower }, out));
    return out.length;
  }

  /** Evaluate one resource now with full reasons and traces for every state; writes nothing. */
  async explain(resourceId: string): Promise<ComplianceResult[]> {
    const pass = await this.pass();
    const assignments = await this.prepared();
    const resources = await this.load(pass, { idsLower: [resourceId.toLowerCase()] });
    return this.evaluateAll(assignments, resources, pass, { detail: true });
  }

  /**
   * Every stored result of one resource (id, or name when unique) with its full explanation tree.
   * Rows store reasons only; the trees come from evaluating the resource again now, which gives
   * the stored state's tree as long as the resource, its facts and the policies are unchanged.
   */
  async show(resource: string): Promise<{ resourceId: string; results: ListedResult[] }> {
    const r = await resultsForResource(this.store, resource);
    if (!r.results.some((x) => !x.trace)) return r;
    const live = await this.explain(r.resourceId);
    for (const x of r.results) {
      if (x.trace) continue;
      const l = live.find((y) => y.assignmentId === x.assignmentId && y.referenceId === (x.referenceId ?? ''));
      if (l) Object.assign(x, { trace: l.trace, reasons: x.reasons.length ? x.reasons : l.reasons });
    }
    return r;
  }

  /** Re-evaluate one assignment over its scope (or a narrower one, e.g. an exemption's). */
  async evaluateAssignmentScope(assignmentId: string, scope?: string): Promise<ScanReport | null> {
    const all = await this.prepared();
    const p = all.find((a) => a.assignment.id.toLowerCase() === assignmentId.toLowerCase());
    if (!p) return null; // deleted: its results went with it
    return this.scan(scope ?? p.assignment.scope, (a) => a.assignment.id === p.assignment.id);
  }
}
