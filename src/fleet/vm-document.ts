import { InputError } from '../errors/index.js';
import { isResourceGroupName, isSubscriptionId, parseGalleryImageId, parseId, resourceId } from '../arm/index.js';
import { ROLES, VM_SECURITY_TYPES, VM_TYPE, type ArmResource, type ImageReference } from './types.js';

/** What an --image argument names, before the gallery is consulted. */
export type ImageSpec =
  | { kind: 'gallery'; gallery: string; image: string; version: string | 'latest' }
  | { kind: 'gallery-id'; id: string; definitionId: string; version: string | 'latest' }
  | { kind: 'marketplace'; reference: ImageReference }
  | { kind: 'reference'; reference: ImageReference };

/**
 * gallery/image[/version|latest], publisher:offer:sku:version (Azure's URN), a gallery version id,
 * a definition id (= latest, Azure's shape), or an imageReference object. Pure.
 */
export function parseImageSpec(image: string | ImageReference, where = 'image'): ImageSpec {
  if (typeof image === 'object' && image !== null) return { kind: 'reference', reference: image };
  const s = String(image ?? '').trim();
  if (s.startsWith('/')) {
    const ref = parseGalleryImageId(s);
    if (!ref) throw new InputError('FLEET_BAD_IMAGE', `image ${s} is not a gallery image definition or version id`, { where });
    return { kind: 'gallery-id', id: s, definitionId: ref.imageId, version: ref.version && ref.version.toLowerCase() !== 'latest' ? ref.version : 'latest' };
  }
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 4 || parts.some((p) => p.trim() === '')) {
      throw new InputError('FLEET_BAD_IMAGE', `marketplace image ${JSON.stringify(s)} must be publisher:offer:sku:version (version may be latest)`, { where });
    }
    const [publisher, offer, sku, version] = parts as [string, string, string, string];
    return { kind: 'marketplace', reference: { publisher, offer, sku, version } };
  }
  const parts = s.split('/');
  if ((parts.length === 2 || parts.length === 3) && parts.every((p) => p !== '')) {
    return { kind: 'gallery', gallery: parts[0]!, image: parts[1]!, version: parts[2] && parts[2].toLowerCase() !== 'latest' ? parts[2] : 'latest' };
  }
  throw new InputError(
    'FLEET_BAD_IMAGE',
    `image ${JSON.stringify(s)} must be gallery/image[/version|latest], publisher:offer:sku:version, or a gallery image id`,
    { where },
  );
}

// Azure: Linux VM names are 1-64 letters, digits, hyphens and periods, not starting with a hyphen or period.
const VM_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function assertVmName(name: string, where = 'name'): void {
  if (typeof name !== 'string' || !VM_NAME_RE.test(name) || name.endsWith('.')) {
    throw new InputError('FLEET_BAD_NAME', `VM name ${JSON.stringify(name)} must be 1-64 letters, digits, underscores, hyphens or periods, starting with a letter or digit`, { where });
  }
}

export function assertScope(subscription: string, resourceGroup: string): void {
  if (!isSubscriptionId(subscription)) throw new InputError('FLEET_BAD_SCOPE', `subscription ${JSON.stringify(subscription)} is not a valid subscription id`, { where: 'subscription' });
  if (!isResourceGroupName(resourceGroup)) {
    throw new InputError('FLEET_BAD_SCOPE', `resource group ${JSON.stringify(resourceGroup)} must be 1-90 letters, digits, underscores, parentheses, hyphens or periods`, { where: 'resourceGroup' });
  }
}

/** Tags from --tag plus the team/application/role shorthands; role must be pet or cattle. */
export function mergeTags(tags: Record<string, string | undefined> | undefined, named: { team?: string; application?: string; role?: string }, base: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = String(v);
  }
  if (named.team !== undefined) out.team = named.team;
  if (named.application !== undefined) out.application = named.application;
  if (named.role !== undefined) out.role = named.role;
  const role = Object.entries(out).find(([k]) => k.toLowerCase() === 'role');
  if (role && !(ROLES as readonly string[]).includes(role[1].toLowerCase())) {
    throw new InputError('FLEET_BAD_TAG', `role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role[1])}`, { where: `tags/${role[0]}` });
  }
  return out;
}

export interface SecurityInput {
  securityType?: string;
  secureBoot?: boolean;
  vTpm?: boolean;
}

/** Azure's securityProfile: Trusted Launch and Confidential VMs default to secure boot and vTPM on. */
export function securityProfile(s: SecurityInput, base?: Record<string, unknown>): Record<string, unknown> | undefined {
  const type = s.securityType ?? (base?.securityType as string | undefined);
  if (type === undefined) return base;
  if (!(VM_SECURITY_TYPES as readonly string[]).includes(type)) {
    throw new InputError('FLEET_BAD_SECURITY_TYPE', `security type must be one of ${VM_SECURITY_TYPES.join(', ')}, got ${JSON.stringify(type)}`, { where: 'securityType' });
  }
  if (type === 'Standard') return { ...base, securityType: type, uefiSettings: undefined };
  const uefi = (base?.uefiSettings ?? {}) as Record<string, unknown>;
  return {
    ...base,
    securityType: type,
    uefiSettings: {
      secureBootEnabled: s.secureBoot ?? (uefi.secureBootEnabled as boolean | undefined) ?? true,
      vTpmEnabled: s.vTpm ?? (uefi.vTpmEnabled as boolean | undefined) ?? true,
    },
  };
}

export interface VmDocumentParts {
  subscription: string;
  resourceGroup: string;
  name: string;
  location: string;
  size: string;
  tags: Record<string, string>;
  imageReference: ImageReference;
  security?: Record<string, unknown>;
  disablePasswordAuthentication: boolean;
  adminUsername: string;
  vmId: string;
  timeCreated: string;
}

/** A new VM's ARM document, in the shape Azure's GET returns. Pure. */
export function vmDocument(p: VmDocumentParts): ArmResource {
  const id = resourceId(p.subscription, p.resourceGroup, VM_TYPE, [p.name]);
  const osDiskName = `${p.name}_OsDisk_1`;
  const props: Record<string, unknown> = {
    vmId: p.vmId,
    hardwareProfile: { vmSize: p.size },
    storageProfile: {
      imageReference: p.imageReference,
      osDisk: {
        osType: 'Linux',
        name: osDiskName,
        createOption: 'FromImage',
        caching: 'ReadWrite',
        managedDisk: { storageAccountType: 'Premium_LRS', id: resourceId(p.subscription, p.resourceGroup, 'Microsoft.Compute/disks', [osDiskName]) },
        deleteOption: 'Delete',
      },
      dataDisks: [],
    },
    osProfile: {
      computerName: p.name,
      adminUsername: p.adminUsername,
      linuxConfiguration: { disablePasswordAuthentication: p.disablePasswordAuthentication, provisionVMAgent: true },
      secrets: [],
    },
    networkProfile: { networkInterfaces: [] },
    provisioningState: 'Succeeded',
    timeCreated: p.timeCreated,
  };
  if (p.security) props.securityProfile = p.security;
  return { id, name: p.name, type: VM_TYPE, location: p.location, tags: p.tags, properties: props };
}

/** Subscription and resource group of a resource id (already validated). */
export function scopeOf(id: string): { subscription: string; resourceGroup: string } {
  const p = parseId(id);
  return { subscription: p?.subscription ?? '', resourceGroup: p?.resourceGroup ?? '' };
}
