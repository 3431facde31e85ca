import { randomUUID } from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { checkInputShape } from '../input/index.js';
import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, type GalleryService } from '../gallery/index.js';
import type { ImageFacts } from '../policy/index.js';
import type { Queryable, Store, Tx } from '../store/index.js';
import { admit, deniedError } from './admission.js';
import { deleteResourceTree, existingIds, getResource, idKey, parseId, resourceGroupId, SUBSCRIPTION_TYPE, subscriptionId, upsertResources } from '../arm/index.js';
import { normalizeArmDocument } from './arm-shape.js';
import { loadGalleryIndex, type GalleryIndex } from './gallery-index.js';
import { imageFactsFor, outdatedReasons } from './image-facts.js';
import { imageKey, imageUsage, loadVmGroups, loadVmsByImage, outdatedVms, roleSummary, type OutdatedVm, type RoleSummary, type UsageGroupBy, type UsageRow } from './fleet-queries.js';
import { defaultScopeDocuments } from './scope-documents.js';
import { loadHierarchy, resolveScope, type ResolvedScope, type ScopeHierarchy } from './scopes.js';
import { ScopeAdmin } from './scope-admin.js';
import { resolveImage } from './resolve-image.js';
import { findVmsByName, listVmDocs } from './vm-filter.js';
import { parseImport, scopesFor } from './vm-import.js';
import { assertScope, assertVmName, mergeTags, securityProfile, vmDocument } from './vm-document.js';
import { FLEET_TYPES, VM_TYPE, type AdmissionReviewer, type ArmResource, type VmFilter, type VmInput, type VmUpdate } from './types.js';

export interface FleetServiceOptions {
  clock?: () => Date;
  admission?: AdmissionReviewer;
}

export interface ImportResult {
  imported: number;
  created: number;
  updated: number;
  scopesCreated: string[];
  ids: string[];
}

/**
 * The fleet inventory: VMs and their neighbours as ARM documents in `resources`. Every write passes
 * admission first (nothing is written when policy denies), then lands in one transaction with its
 * change events, which is what compliance re-evaluates from.
 */
export class FleetService {
  readonly scopes: ScopeAdmin;
  private readonly clock: () => Date;
  private defaultsReady = false;
  constructor(
    private readonly store: Store,
    private readonly gallery: GalleryService,
    private readonly opts: FleetServiceOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.scopes = new ScopeAdmin(store, this.clock, (tx) => this.defaultsIn(tx));
  }

  /** The built-in root group, default subscription and resource group; idempotent. */
  async ensureDefaults(): Promise<void> {
    if (this.defaultsReady) return;
    await this.store.tx((tx) => this.defaultsIn(tx));
    this.defaultsReady = true;
  }

  /** Inside the caller's transaction, so a refused write leaves even the defaults unwritten. */
  private async defaultsIn(tx: Tx): Promise<void> {
    if (this.defaultsReady) return;
    const docs = defaultScopeDocuments();
    const have = await existingIds(tx, docs.map((d) => d.id));
    const missing = docs.filter((d) => !have.has(idKey(d.id)));
    if (missing.length) await this.write(tx, missing);
  }

  resolveScope(scope: string, where = 'scope'): Promise<ResolvedScope> {
    return resolveScope(this.store, scope, where);
  }

  hierarchy(): Promise<ScopeHierarchy> {
    return loadHierarchy(this.store);
  }

  // ── VMs ───────────────────────────────────────────────────────────────────
  async createVm(input: VmInput): Promise<ArmResource> {
    assertVmName(input.name);
    const subscription = input.subscription ?? DEFAULT_SUBSCRIPTION;
    const resourceGroup = input.resourceGroup ?? DEFAULT_RESOURCE_GROUP;
    assertScope(subscription, resourceGroup);
    const tags = mergeTags(input.tags, input);
    const image = await resolveImage(this.gallery, input.image, input.location);
    const doc = vmDocument({
      subscription,
      resourceGroup,
      name: input.name,
      location: image.location ?? normalizeLocation(input.location ?? DEFAULT_LOCATION),
      size: input.size ?? 'Standard_D2s_v5',
      tags,
      imageReference: image.reference,
      security: securityProfile(input),
      disablePasswordAuthentication: input.disablePasswordAuthentication ?? true,
      adminUsername: input.adminUsername ?? 'azureuser',
      vmId: randomUUID(),
      timeCreated: this.clock().toISOString(),
    });
    if (await getResource(this.store, doc.id)) {
      throw new ConflictError('FLEET_EXISTS', `VM ${input.name} already exists in resource group ${resourceGroup}; use vm update`, { where: doc.id });
    }
    return this.putResource(doc);
  }

  async updateVm(ref: string, change: VmUpdate, where: { resourceGroup?: string } = {}): Promise<ArmResource> {
    const current = await this.getVm(ref, where);
    const props = structuredClone(current.properties) as Record<string, any>;
    if (change.image !== undefined) {
      const image = await resolveImage(this.gallery, change.image, current.location);
      props.storageProfile = { ...props.storageProfile, imageReference: image.reference };
    }
    if (change.size !== undefined) props.hardwareProfile = { ...props.hardwareProfile, vmSize: change.size };
    if (change.securityType !== undefined || change.secureBoot !== undefined || change.vTpm !== undefined) {
      props.securityProfile = securityProfile(change, props.securityProfile);
    }
    const tags = mergeTags(change.tags, change, current.tags);
    return this.putResource({ ...current, tags, properties: props });
  }

  async deleteVm(ref: string, where: { resourceGroup?: string } = {}): Promise<string[]> {
    return this.deleteResource((await this.getVm(ref, where)).id);
  }

  /** A VM by id, or by name (unique across resource groups unless one is given). */
  async getVm(ref: string, where: { resourceGroup?: string } = {}): Promise<ArmResource> {
    if (ref.startsWith('/')) {
      const doc = await getResource<ArmResource>(this.store, ref);
      if (!doc || doc.type.toLowerCase() !== VM_TYPE.toLowerCase()) throw new NotFoundError('FLEET_VM_NOT_FOUND', `VM ${ref} does not exist`, { where: ref });
      return doc;
    }
    const rows = await findVmsByName(this.store, ref, where.resourceGroup);
    if (rows.length === 0) throw new NotFoundError('FLEET_VM_NOT_FOUND', `VM ${ref} does not exist${where.resourceGroup ? ` in resource group ${where.resourceGroup}` : ''}`, { where: ref });
    if (rows.length > 1) {
      throw new InputError('FLEET_AMBIGUOUS', `VM name ${ref} exists in ${rows.length} resource groups; give --resource-group or the full id`, {
        where: ref,
        data: { ids: rows.map((r) => r.id) },
      });
    }
    return rows[0]!;
  }

  /** A VM with the facts policies see about its image. */
  async showVm(ref: string, where: { resourceGroup?: string } = {}): Promise<{ resource: ArmResource; image: ImageFacts }> {
    const resource = await this.getVm(ref, where);
    return { resource, image: imageFactsFor(resource, await this.galleryIndex(), this.clock()) };
  }

  listVms(filter: VmFilter = {}): Promise<ArmResource[]> {
    return listVmDocs(this.store, this.gallery, filter);
  }

  async listVmsWithFacts(filter: VmFilter = {}): Promise<Array<{ resource: ArmResource; image: ImageFacts }>> {
    const [docs, index] = await Promise.all([this.listVms(filter), this.galleryIndex()]);
    const now = this.clock();
    return docs.map((resource) => ({ resource, image: imageFactsFor(resource, index, now) }));
  }

  // ── any fleet resource ─────────────────────────────────────────────────────
  /** PUT semantics: create or replace one document after checking its shape, its scope and admission. */
  async putResource(raw: unknown): Promise<ArmResource> {
    // The store (jsonb: no NUL characters) and the policy engine (recursive) take only what fits the limits.
    checkInputShape(raw, 'document');
    const shaped = normalizeArmDocument(raw);
    if (!shaped.doc) {
      const p = shaped.problems;
      throw new InputError('FLEET_BAD_DOCUMENT', `the resource document is invalid\n  ${p.map((x) => `${x.path}: ${x.message}`).join('\n  ')}`, {
        where: p[0]!.path,
        data: { problems: p },
      });
    }
    const doc = shaped.doc;
    await this.assertParentExists(doc);
    const { docs, denied } = await admit(this.opts.admission, [doc], 'write');
    if (denied.length) throw deniedError('write', denied);
    await this.store.tx(async (tx) => {
      await this.defaultsIn(tx);
      await this.write(tx, docs);
    });
    this.defaultsReady = true;
    return docs[0]!;
  }

  /** The document at `id`, or undefined: what a PUT replaces (the server audits its digest). */
  findResource(id: string): Promise<ArmResource | undefined> {
    return getResource<ArmResource>(this.store, id);
  }

  /**
   * PATCH semantics (JSON merge patch, RFC 7396): change only what the patch names, null removes a
   * key; the result goes through putResource, so shape checks and admission see the whole document.
   * `type` guards the route: a VM route never patches another resource type.
   */
  async patchResource(id: string, type: string, patch: Record<string, unknown>): Promise<ArmResource> {
    const current = await this.getResource(id);
    if (current.type.toLowerCase() !== type.toLowerCase()) throw new NotFoundError('FLEET_RESOURCE_NOT_FOUND', `${id} is not a ${type}`, { where: id });
    return this.putResource(mergePatch(current, patch));
  }

  async getResource(id: string): Promise<ArmResource> {
    const doc = await getResource<ArmResource>(this.store, id);
    if (!doc) throw new NotFoundError('FLEET_RESOURCE_NOT_FOUND', `resource ${id} does not exist`, { where: id });
    return doc;
  }

  async listResources(filter: { type?: string; resourceGroup?: string; subscription?: string } = {}): Promise<ArmResource[]> {
    const rows = await this.store.query<{ doc: ArmResource }>(
      `SELECT doc FROM resources WHERE ($1::text IS NULL OR type = lower($1)) AND ($2::text IS NULL OR lower(resource_group) = lower($2))
         AND ($3::text IS NULL OR lower(subscription) = lower($3)) AND type NOT LIKE 'microsoft.compute/galleries%' AND resource_group IS NOT NULL
         AND type <> 'microsoft.resources/subscriptions/resourcegroups'
       ORDER BY id_lower`,
      [filter.type ?? null, filter.resourceGroup ?? null, filter.subscription ?? null],
    );
    return rows.map((r) => r.doc);
  }

  /** Delete a resource and its nested resources, after denyAction has had its say. Returns the ids removed. */
  async deleteResource(id: string): Promise<string[]> {
    const doc = await this.getResource(id);
    if (!FLEET_TYPES.some((t) => t.toLowerCase() === doc.type.toLowerCase())) {
      // Gallery resources belong to the gallery service; scopes would take everything inside them along.
      throw new ConflictError('FLEET_NOT_FLEET_RESOURCE', `${doc.type} is not a fleet resource; ${doc.type.toLowerCase().startsWith('microsoft.compute/galleries') ? 'delete it with goldsmith gallery' : 'scopes cannot be deleted here'}`, { where: id });
    }
    const { denied } = await admit(this.opts.admission, [doc], 'delete');
    if (denied.length) throw deniedError('delete', denied);
    return this.store.tx(async (tx) => {
      const gone = await deleteResourceTree(tx, doc.id);
      for (const g of gone) tx.emit({ type: 'resource.deleted', subject: g.id, data: { type: g.type } });
      return gone.map((g) => g.id);
    });
  }

  // ── import ────────────────────────────────────────────────────────────────
  /**
   * Import `az vm list` output: all or nothing. Missing subscriptions and resource groups are created
   * (the fleet already exists in Azure); a document admission denies stops the whole import.
   */
  async importVms(input: string | unknown, source = 'input'): Promise<ImportResult> {
    const parsed = parseImport(input, source);
    const { docs, denied } = await admit(this.opts.admission, parsed, 'write');
    if (denied.length) throw deniedError('write', denied, true);
    const scopeDocs = scopesFor(docs);
    const result = await this.store.tx(async (tx) => {
      await this.defaultsIn(tx);
      const have = await existingIds(tx, [...docs.map((d) => d.id), ...scopeDocs.map((d) => d.id)]);
      const newScopes = scopeDocs.filter((s) => !have.has(idKey(s.id)));
      if (newScopes.length) await this.write(tx, newScopes);
      await this.scopes.adoptIntoRoot(tx, newScopes.filter((s) => s.type === SUBSCRIPTION_TYPE));
      await this.write(tx, docs);
      const created = docs.filter((d) => !have.has(idKey(d.id))).length;
      return { imported: docs.length, created, updated: docs.length - created, scopesCreated: newScopes.map((s) => s.id), ids: docs.map((d) => d.id) };
    });
    this.defaultsReady = true;
    return result;
  }

  // ── fleet questions ─────────────────────────────────────────────────────────
  galleryIndex(): Promise<GalleryIndex> {
    return loadGalleryIndex(this.store);
  }

  async imageFacts(doc: ArmResource): Promise<ImageFacts> {
    return imageFactsFor(doc, await this.galleryIndex(), this.clock());
  }

  async imageUsage(opts: { groupBy?: UsageGroupBy } = {}): Promise<UsageRow[]> {
    const by = opts.groupBy ?? 'version';
    const [groups, index] = await Promise.all([loadVmGroups(this.store, by === 'version' ? [] : [by]), this.galleryIndex()]);
    return imageUsage(groups, index, this.clock(), by);
  }

  /** Two phases: find the outdated (image, region) combinations from grouped rows, then load only their VMs. */
  async outdated(): Promise<OutdatedVm[]> {
    const [groups, index] = await Promise.all([loadVmGroups(this.store, []), this.galleryIndex()]);
    const now = this.clock();
    const keys = groups.filter((g) => outdatedReasons(imageFactsFor(g, index, now)).length > 0).map(imageKey);
    return outdatedVms(await loadVmsByImage(this.store, keys), index, now);
  }

  async roles(): Promise<RoleSummary[]> {
    const [groups, index] = await Promise.all([loadVmGroups(this.store, ['role']), this.galleryIndex()]);
    return roleSummary(groups, index, this.clock());
  }

  // ── internals ─────────────────────────────────────────────────────────────
  private async write(tx: Tx, docs: readonly ArmResource[]): Promise<void> {
    await upsertResources(tx, docs, this.clock().toISOString());
    for (const d of docs) tx.emit({ type: 'resource.written', subject: d.id, data: { type: d.type } });
  }

  /** Azure refuses a resource whose resource group (or, for a nested one, parent resource) is missing. */
  private async assertParentExists(doc: ArmResource, q: Queryable = this.store): Promise<void> {
    const p = parseId(doc.id)!;
    const rg = await resolveScope(q, resourceGroupId(p.subscription!, p.resourceGroup!));
    if (!rg.exists) {
      const sub = await resolveScope(q, subscriptionId(p.subscription!));
      const what = sub.exists ? `resource group ${p.resourceGroup}` : `subscription ${p.subscription}`;
      throw new NotFoundError('FLEET_SCOPE_NOT_FOUND', `${what} does not exist; create it first (goldsmith fleet group create / fleet subscription create)`, {
        where: sub.exists ? rg.id : sub.id,
      });
    }
    if (p.parentId && !(await getResource(q, p.parentId))) {
      throw new NotFoundError('FLEET_PARENT_NOT_FOUND', `parent resource ${p.parentId} does not exist`, { where: '/id' });
    }
  }
}

/** Azure's canonical location names: lower case, no spaces ("West Europe" → westeurope). */
export function normalizeLocation(location: string): string {
  const n = String(location).trim().toLowerCase().replace(/\s+/g, '');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(n)) throw new InputError('FLEET_BAD_LOCATION', `location ${JSON.stringify(location)} must be a region name such as westeurope`, { where: 'location' });
  return n;
}

/** RFC 7396 JSON merge patch: objects merge key by key, null deletes, anything else replaces. */
export function mergePatch<T>(target: T, patch: unknown): T {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__') continue; // never a document key; assigning it would swap the prototype
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out as T;
}
