import { DEFAULT_LOCATION, DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION } from '../gallery/index.js';
import {
  MANAGEMENT_GROUP_TYPE,
  RESOURCE_GROUP_TYPE,
  SUBSCRIPTION_TYPE,
  managementGroupId,
  resourceGroupId,
  subscriptionId,
} from '../arm/index.js';
import type { ArmResource } from './types.js';
import { ROOT_MANAGEMENT_GROUP } from './scopes.js';

/**
 * ARM documents for the hierarchy itself, so scopes are resources like any other. Shapes follow
 * Azure's: a management group records its parent under properties.details.parent (and, as the
 * expanded GET does, its children); a subscription its ancestors in managementGroupAncestorsChain
 * (Resource Graph's shape), nearest first.
 */
export interface ChainLink {
  name: string;
  displayName: string;
}

export function managementGroupDocument(name: string, displayName: string, parent?: ChainLink, children: ArmChild[] = []): ArmResource {
  return {
    id: managementGroupId(name),
    name,
    type: MANAGEMENT_GROUP_TYPE,
    tags: {},
    properties: {
      displayName,
      details: { parent: parent ? { id: managementGroupId(parent.name), name: parent.name, displayName: parent.displayName } : null },
      children,
    },
  };
}

export interface ArmChild {
  id: string;
  name: string;
  type: string;
  displayName: string;
}

export function subscriptionDocument(sub: string, displayName: string, ancestors: ChainLink[]): ArmResource {
  return {
    id: subscriptionId(sub),
    name: sub,
    type: SUBSCRIPTION_TYPE,
    tags: {},
    properties: { subscriptionId: sub, displayName, state: 'Enabled', managementGroupAncestorsChain: ancestors },
  };
}

export function resourceGroupDocument(sub: string, rg: string, location: string, tags: Record<string, string> = {}): ArmResource {
  return {
    id: resourceGroupId(sub, rg),
    name: rg,
    type: RESOURCE_GROUP_TYPE,
    location,
    tags,
    properties: { provisioningState: 'Succeeded' },
  };
}

const ROOT_LINK: ChainLink = { name: ROOT_MANAGEMENT_GROUP, displayName: 'Tenant Root Group' };
export const ROOT_CHAIN: readonly ChainLink[] = [ROOT_LINK];

/** What a fresh install has: the root group, the default subscription under it and the default resource group. */
export function defaultScopeDocuments(): ArmResource[] {
  const sub = subscriptionDocument(DEFAULT_SUBSCRIPTION, 'Default subscription', [ROOT_LINK]);
  return [
    managementGroupDocument(ROOT_MANAGEMENT_GROUP, ROOT_LINK.displayName, undefined, [
      { id: sub.id, name: DEFAULT_SUBSCRIPTION, type: '/subscriptions', displayName: 'Default subscription' },
    ]),
    sub,
    resourceGroupDocument(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, DEFAULT_LOCATION),
  ];
}
