import * as repo from '../../src/arm/index.js';
import type { Resource } from '../../src/policy/index.js';
import type { Queryable, Store } from '../../src/store/index.js';
import { Fixture } from '../gallery/fixtures.js';

export const SUB = '11111111-1111-1111-1111-111111111111';
export const RG = `/subscriptions/${SUB}/resourceGroups/app-rg`;
export const OTHER_RG = `/subscriptions/${SUB}/resourceGroups/other-rg`;
export const GALLERY = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1';
export const IMAGE = `${GALLERY}/images/ubuntu`;

/**
 * A real gallery through the gallery service: image ubuntu (TrustedLaunchSupported) with 1.0.0
 * published in January and 1.1.0 in February (which ages 1.0.0). The clock stays in the past.
 */
export async function setupGallery(store: Store): Promise<Fixture> {
  const g = new Fixture(store);
  g.now = new Date('2026-01-10T00:00:00Z');
  await g.svc.createGallery({ name: 'g1' });
  await g.svc.createImageDefinition({ gallery: 'g1', name: 'ubuntu', identifier: { publisher: 'Contoso', offer: 'Golden', sku: 'ubuntu' }, securityType: 'TrustedLaunchSupported' });
  await g.publish('1.0.0');
  g.now = new Date('2026-02-10T00:00:00Z');
  await g.publish('1.1.0');
  return g;
}

export function vm(name: string, o: { rg?: string; tags?: Record<string, string>; image?: string | Record<string, unknown>; size?: string; trusted?: boolean; location?: string | null } = {}): Resource {
  const id = `${o.rg ?? RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
  const imageReference = typeof o.image === 'string' ? { id: o.image } : (o.image ?? { id: `${IMAGE}/versions/1.1.0` });
  const doc: Resource = {
    id,
    name,
    type: 'Microsoft.Compute/virtualMachines',
    location: o.location === null ? undefined : (o.location ?? 'westeurope'),
    tags: o.tags ?? { team: 'payments', application: 'checkout', role: 'cattle' },
    properties: {
      hardwareProfile: { vmSize: o.size ?? 'Standard_D2s_v5' },
      storageProfile: { imageReference, osDisk: { osType: 'Linux', managedDisk: { storageAccountType: 'Premium_LRS' } } },
      securityProfile: o.trusted === false ? undefined : { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
    },
  };
  if (doc.location === undefined) delete doc.location;
  return doc;
}

/** Write a resource document the way services do: in a transaction that emits resource.written. */
export async function putResource(store: Store, doc: Resource, emit = true): Promise<void> {
  await store.tx(async (tx) => {
    await upsertResource(tx, doc);
    if (emit) tx.emit({ type: 'resource.written', subject: doc.id! });
  });
}

/** Through the one owner of the resources table, as the services write. */
export async function upsertResource(q: Queryable, doc: Resource): Promise<void> {
  await repo.upsertResource(q, doc as repo.ResourceDocument, new Date().toISOString());
}

export async function deleteResource(store: Store, id: string): Promise<void> {
  await store.tx(async (tx) => {
    await repo.deleteResource(tx, id);
    tx.emit({ type: 'resource.deleted', subject: id });
  });
}

/** A custom definition: VMs must not use the given size. */
export function noSizeDefinition(effect = 'Audit') {
  return {
    name: 'no-big-vms',
    properties: {
      displayName: 'No big VMs',
      mode: 'Indexed',
      parameters: {
        size: { type: 'String', defaultValue: 'Standard_M128s' },
        effect: { type: 'String', defaultValue: effect, allowedValues: ['Audit', 'Deny', 'Disabled'] },
      },
      policyRule: {
        if: { allOf: [{ field: 'type', equals: 'Microsoft.Compute/virtualMachines' }, { field: 'Microsoft.Compute/virtualMachines/sku.name', equals: "[parameters('size')]" }] },
        then: { effect: "[parameters('effect')]" },
      },
    },
  };
}

export async function count(store: Store, table: string): Promise<number> {
  const rows = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}
