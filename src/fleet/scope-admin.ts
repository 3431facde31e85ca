import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { DEFAULT_LOCATION, DEFAULT_SUBSCRIPTION } from '../gallery/index.js';
import type { Store, Tx } from '../store/index.js';
import { getResource, idKey, parentScope, isManagementGroupName, isResourceGroupName, isSubscriptionId, managementGroupId, subscriptionId, upsertResources } from '../arm/index.js';
import { managementGroupDocument, resourceGroupDocument, subscriptionDocument, type ArmChild, type ChainLink } from './scope-documents.js';
import { ROOT_MANAGEMENT_GROUP } from './scopes.js';
import type { ArmResource } from './types.js';

export interface ScopeRow {
  kind: 'managementGroup' | 'subscription' | 'resourceGroup';
  id: string;
  name: string;
  displayName?: string;
  parent?: string;
}

/** Management groups, subscriptions and resource groups: created once, then referenced as scopes. */
export class ScopeAdmin {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    /** Writes the built-in scopes inside the caller's transaction when they are missing. */
    private readonly ready: (tx: Tx) => Promise<void>,
  ) {}

  async createManagementGroup(name: string, opts: { displayName?: string; parent?: string } = {}): Promise<ArmResource> {
    if (!isManagementGroupName(name)) throw new InputError('FLEET_BAD_NAME', `management group name ${JSON.stringify(name)} must be 1-90 letters, digits, hyphens, underscores, periods or parentheses`, { where: 'name' });
    return this.store.tx(async (tx) => {
      await this.ready(tx);
      if (await getResource(tx, managementGroupId(name))) throw new ConflictError('FLEET_EXISTS', `management group ${name} already exists`, { where: managementGroupId(name) });
      const parent = await this.group(tx, opts.parent ?? ROOT_MANAGEMENT_GROUP, 'parent');
      const doc = managementGroupDocument(name, opts.displayName ?? name, { name: parent.name, displayName: String(parent.properties.displayName ?? parent.name) });
      await this.adopt(tx, parent, { id: doc.id, name, type: 'Microsoft.Management/managementGroups', displayName: opts.displayName ?? name });
      await this.write(tx, [doc]);
      return doc;
    });
  }

  /** A subscription under a management group (the root one by default). */
  async createSubscription(sub: string, opts: { displayName?: string; managementGroup?: string } = {}): Promise<ArmResource> {
    if (!isSubscriptionId(sub)) throw new InputError('FLEET_BAD_SCOPE', `subscription id ${JSON.stringify(sub)} is not valid (use a GUID)`, { where: 'subscription' });
    return this.store.tx(async (tx) => {
      await this.ready(tx);
      if (await getResource(tx, subscriptionId(sub))) throw new ConflictError('FLEET_EXISTS', `subscription ${sub} already exists`, { where: subscriptionId(sub) });
      const parent = await this.group(tx, opts.managementGroup ?? ROOT_MANAGEMENT_GROUP, 'managementGroup');
      const doc = subscriptionDocument(sub, opts.displayName ?? sub, await this.chain(tx, parent));
      await this.adopt(tx, parent, { id: doc.id, name: sub, type: '/subscriptions', displayName: opts.displayName ?? sub });
      await this.write(tx, [doc]);
      return doc;
    });
  }

  async createResourceGroup(name: string, opts: { subscription?: string; location?: string; tags?: Record<string, string> } = {}): Promise<ArmResource> {
    if (!isResourceGroupName(name)) throw new InputError('FLEET_BAD_SCOPE', `resource group name ${JSON.stringify(name)} must be 1-90 letters, digits, underscores, parentheses, hyphens or periods`, { where: 'name' });
    const sub = opts.subscription ?? DEFAULT_SUBSCRIPTION;
    return this.store.tx(async (tx) => {
      await this.ready(tx);
      if (!(await getResource(tx, subscriptionId(sub)))) throw new NotFoundError('FLEET_SCOPE_NOT_FOUND', `subscription ${sub} does not exist`, { where: subscriptionId(sub) });
      const doc = resourceGroupDocument(sub, name, (opts.location ?? DEFAULT_LOCATION).toLowerCase().replace(/\s+/g, ''), opts.tags);
      if (await getResource(tx, doc.id)) throw new ConflictError('FLEET_EXISTS', `resource group ${name} already exists in subscription ${sub}`, { where: doc.id });
      await this.write(tx, [doc]);
      return doc;
    });
  }

  async list(): Promise<ScopeRow[]> {
    await this.store.tx((tx) => this.ready(tx));
    const rows = await this.store.query<{ doc: ArmResource }>(
      `SELECT doc FROM resources WHERE type IN ('microsoft.management/managementgroups', 'microsoft.resources/subscriptions', 'microsoft.resources/subscriptions/resourcegroups')
       ORDER BY CASE type WHEN 'microsoft.management/managementgroups' THEN 0 WHEN 'microsoft.resources/subscriptions' THEN 1 ELSE 2 END, id_lower`,
    );
    return rows.map(({ doc }) => {
      const p = doc.properties as Record<string, any>;
      const t = doc.type.toLowerCase();
      if (t === 'microsoft.management/managementgroups') return { kind: 'managementGroup', id: doc.id, name: doc.name, displayName: p.displayName, parent: p.details?.parent?.id };
      if (t === 'microsoft.resources/subscriptions') {
        const mg = p.managementGroupAncestorsChain?.[0]?.name;
        return { kind: 'subscription', id: doc.id, name: doc.name, displayName: p.displayName, parent: mg ? managementGroupId(mg) : undefined };
      }
      return { kind: 'resourceGroup', id: doc.id, name: doc.name, parent: parentScope(doc.id)! };
    });
  }

  /** Imported subscriptions join the root group, as new subscriptions do in Azure. */
  async adoptIntoRoot(tx: Tx, subscriptions: readonly ArmResource[]): Promise<void> {
    if (!subscriptions.length) return;
    const root = await this.group(tx, ROOT_MANAGEMENT_GROUP, 'managementGroup');
    const props = root.properties as Record<string, unknown>;
    const children = (Array.isArray(props.children) ? props.children : []) as ArmChild[];
    const known = new Set(children.map((c) => idKey(c.id)));
    const add = subscriptions
      .filter((s) => !known.has(idKey(s.id)))
      .map((s) => ({ id: s.id, name: s.name, type: '/subscriptions', displayName: String((s.properties as Record<string, unknown>).displayName ?? s.name) }));
    if (add.length) await this.write(tx, [{ ...root, properties: { ...props, children: [...children, ...add] } }]);
  }

  private async group(tx: Tx, name: string, where: string): Promise<ArmResource> {
    const doc = await getResource<ArmResource>(tx, managementGroupId(name));
    if (!doc) throw new NotFoundError('FLEET_SCOPE_NOT_FOUND', `management group ${name} does not exist`, { where });
    return doc;
  }

  /** Ancestors of (and including) a management group, nearest first, for a subscription's chain. */
  private async chain(tx: Tx, group: ArmResource): Promise<ChainLink[]> {
    const out: ChainLink[] = [];
    let cur: ArmResource | undefined = group;
    while (cur && out.length < 16) {
      out.push({ name: cur.name, displayName: String((cur.properties as Record<string, unknown>).displayName ?? cur.name) });
      const parent: string | undefined = (cur.properties as Record<string, any>).details?.parent?.name;
      cur = parent ? await getResource(tx, managementGroupId(parent)) : undefined;
    }
    return out;
  }

  /** Keep the parent's children list in step, as Azure's expanded management group GET shows it. */
  private async adopt(tx: Tx, parent: ArmResource, child: ArmChild): Promise<void> {
    const props = parent.properties as Record<string, unknown>;
    const children = (Array.isArray(props.children) ? props.children : []) as ArmChild[];
    if (children.some((c) => idKey(c.id) === idKey(child.id))) return;
    await this.write(tx, [{ ...parent, properties: { ...props, children: [...children, child] } }]);
  }

  private async write(tx: Tx, docs: ArmResource[]): Promise<void> {
    await upsertResources(tx, docs, this.clock().toISOString());
    for (const d of docs) tx.emit({ type: 'resource.written', subject: d.id, data: { type: d.type } });
  }
}
