/**
 * Who may do what, where: the one rule table of the server, pure so a test can walk all of it.
 * A principal holds one role at one scope (as an Azure RBAC role assignment does); a request asks
 * for one action on one target id. It is allowed when the role grants the action and the target
 * lies at or below the principal's scope (management group membership from the hierarchy).
 */
import { parseId } from '../arm/index.js';
import { scopeContains, type ScopeHierarchy } from '../fleet/scopes.js';

export const ROLE_NAMES = ['owner', 'image-publisher', 'policy-admin', 'reader', 'team-operator', 'machine'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/**
 * Route families: every route declares exactly one. `.read` actions are GETs (and the read-only
 * compliance POST queries); everything else writes.
 */
export const ACTIONS = [
  'vm.read',
  'vm.write',
  'guestConfig.report',
  'gallery.read',
  'gallery.write',
  'policy.read',
  'policy.write',
  'compliance.read',
  'build.read',
  'build.write',
  'catalog.read',
  'supplyChain.read',
  'vuln.read',
  'audit.read',
  'token.admin',
] as const;
export type Action = (typeof ACTIONS)[number];

const READS: Action[] = ACTIONS.filter((a) => a.endsWith('.read'));

/** What each role is granted (within its scope). Owner is granted everything. */
export const GRANTS: Readonly<Record<RoleName, readonly Action[]>> = {
  owner: ACTIONS,
  // The platform team: catalog, templates and builds, and the versions in its galleries.
  'image-publisher': ['gallery.read', 'gallery.write', 'build.read', 'build.write', 'catalog.read', 'supplyChain.read', 'vuln.read'],
  // Governance: definitions, assignments and exemptions, and the compliance they produce.
  'policy-admin': ['policy.read', 'policy.write', 'compliance.read'],
  // Risk managers and auditors: everything in scope, read only, the audit log included.
  reader: READS,
  // A DevOps team: its VMs and their guest configuration, the images it may run, its own compliance.
  'team-operator': ['vm.read', 'vm.write', 'guestConfig.report', 'gallery.read', 'compliance.read'],
  // An agent on one VM: only reports for that VM.
  machine: ['guestConfig.report'],
};

export interface Principal {
  tokenId: string;
  name: string;
  role: RoleName;
  scope: string;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

export function isRoleName(s: string): s is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(s);
}

/** A valid role scope: `/`, a management group, a subscription, a resource group, or (machines) a VM. */
export function scopeProblem(role: RoleName, scope: string): string | undefined {
  if (scope === '/') return role === 'machine' ? 'a machine identity is scoped to its own VM id' : undefined;
  const p = parseId(scope);
  if (!p) return `${JSON.stringify(scope)} is not /, a management group, a subscription or a resource group id`;
  if (role === 'machine') return p.kind === 'resource' && p.type.toLowerCase() === 'microsoft.compute/virtualmachines' ? undefined : 'a machine identity is scoped to its own VM id';
  if (p.kind === 'resource') return 'a role is granted at a management group, subscription or resource group (or /)';
  return undefined;
}

/**
 * The decision for one request. `target` is the ARM id the request acts on (a resource, or the
 * scope a list reads); `/` for things that belong to the whole installation (catalog, runs, audit).
 */
export function authorize(p: Principal, action: Action, target: string, h?: ScopeHierarchy): Decision {
  if (!GRANTS[p.role].includes(action)) return { allowed: false, reason: `role ${p.role} may not ${action}` };
  if (p.scope === '/' || within(p.scope, target, h)) return { allowed: true };
  return { allowed: false, reason: `${target} is outside this token's scope ${p.scope}` };
}

/** At or below `scope`; `/` is the whole installation, so only a `/` scope holds it. */
function within(scope: string, target: string, h?: ScopeHierarchy): boolean {
  if (target === '/') return false;
  return scopeContains(scope, target, h);
}
