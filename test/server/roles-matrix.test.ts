import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ACTIONS, authorize, GRANTS, ROLE_NAMES, type Action, type RoleName } from '../../src/identity/index.js';
import { routesOf } from '../../src/server/index.js';
import { describeEachBackend } from '../support/stores.js';
import { GC_URL, OTHER_RG, RG, serverFixture, SUB, VERSION_URL, VM_URL, type ServerFixture } from './support.js';

const GOLDEN = '/providers/Microsoft.Authorization/policySetDefinitions/goldsmith-golden-image-compliance';

interface Req {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  url: string;
  payload?: unknown;
}

/** One representative request per route family, acting inside the default resource group. */
const FAMILY: Partial<Record<Action, Req>> = {
  'vm.read': { method: 'GET', url: VM_URL },
  'vm.write': { method: 'PATCH', url: VM_URL, payload: { tags: { patched: 'yes' } } },
  'guestConfig.report': { method: 'PUT', url: GC_URL, payload: { properties: { guestConfiguration: { name: 'AuditSecureShell' }, complianceStatus: 'Compliant' } } },
  'gallery.read': { method: 'GET', url: VERSION_URL },
  'gallery.write': { method: 'PATCH', url: VERSION_URL, payload: { properties: { publishingProfile: { excludeFromLatest: true } } } },
  'policy.read': { method: 'GET', url: `${RG}/providers/Microsoft.Authorization/policyAssignments` },
  'policy.write': { method: 'PUT', url: `${RG}/providers/Microsoft.Authorization/policyAssignments/golden`, payload: { properties: { policyDefinitionId: GOLDEN, parameters: { galleryEffect: { value: 'Audit' } } } } },
  'compliance.read': { method: 'POST', url: `${RG}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize` },
  'build.read': { method: 'GET', url: '/goldsmith/runs' },
  // Allowed, it is refused as a template (400) before any run exists; refused, it is 403.
  'build.write': { method: 'POST', url: '/goldsmith/builds', payload: { template: { name: 'x', distribute: { gallery: 'g1', image: 'ubuntu' } } } },
  'audit.read': { method: 'GET', url: '/audit' },
  'supplyChain.read': { method: 'GET', url: `${VERSION_URL}/goldsmith/verify` },
  'vuln.read': { method: 'GET', url: '/goldsmith/advisories' },
  'catalog.read': { method: 'GET', url: '/goldsmith/catalog' },
  'token.admin': { method: 'POST', url: '/goldsmith/tokens', payload: { name: 'made-by-api', role: 'reader', scope: RG } },
};

it('the rule table: owner may do everything, machine only report, reads are the reader role', () => {
  assert.deepEqual([...GRANTS.owner], [...ACTIONS]);
  assert.deepEqual([...GRANTS.machine], ['guestConfig.report']);
  assert.ok(GRANTS.reader.every((a) => a.endsWith('.read')) && GRANTS.reader.includes('audit.read'));
  const p = (role: RoleName, scope: string) => ({ tokenId: 't', name: 'n', role, scope });
  assert.equal(authorize(p('team-operator', RG), 'vm.write', VM_URL).allowed, true);
  assert.equal(authorize(p('team-operator', OTHER_RG), 'vm.write', VM_URL).allowed, false, 'outside its resource group');
  assert.equal(authorize(p('team-operator', RG), 'vm.write', `${RG}x/providers/Microsoft.Compute/virtualMachines/a`).allowed, false, 'a name prefix is not containment');
  assert.equal(authorize(p('owner', `/subscriptions/${SUB}`), 'audit.read', '/').allowed, false, 'installation-wide things need a / scope');
  assert.equal(authorize(p('machine', VM_URL), 'guestConfig.report', GC_URL).allowed, true);
  assert.equal(authorize(p('machine', VM_URL), 'guestConfig.report', GC_URL.replace('web1', 'web2')).allowed, false, 'only its own VM');
  assert.equal(authorize(p('owner', '/providers/Microsoft.Management/managementGroups/root'), 'vm.read', VM_URL).allowed, true, 'the root group holds every subscription');
});

describeEachBackend('role × route family over HTTP', (b) => {
  let f: ServerFixture;
  before(async () => {
    f = await serverFixture(b);
  });
  after(async () => f.close());

  it('every route family has a representative request here, and every family in the table has a route', () => {
    const families = new Set(routesOf(f.server).map((r) => r.action).filter((a): a is Action => a !== null));
    assert.deepEqual([...families].filter((a) => !FAMILY[a]), []);
    assert.deepEqual(ACTIONS.filter((a) => !families.has(a)), []);
  });

  it('answers 403 exactly where the table refuses, and a 403 changes nothing', async () => {
    const seen: string[] = [];
    for (const role of ROLE_NAMES) {
      const { authorization } = await f.auth(role, role === 'machine' ? VM_URL : role === 'owner' || role === 'reader' || role === 'image-publisher' ? '/' : RG);
      for (const [action, req] of Object.entries(FAMILY) as Array<[Action, Req]>) {
        const before = await f.snapshot();
        const r = await f.server.inject({ method: req.method, url: req.url, headers: { authorization }, ...(req.payload !== undefined ? { payload: req.payload as object } : {}) });
        const allowed = GRANTS[role].includes(action);
        assert.equal(r.statusCode === 403, !allowed, `${role} ${action}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        if (!allowed) {
          assert.equal(r.json().error.code, 'API_FORBIDDEN');
          assert.equal(await f.snapshot(), before, `${role} ${action} changed something on 403`);
        } else if (action === 'build.write') assert.equal(r.json().error.code, 'TEMPLATE_PROBLEMS');
        else assert.ok(r.statusCode < 300, `${role} ${action}: ${r.statusCode} ${r.body.slice(0, 300)}`);
        seen.push(`${role}:${action}:${r.statusCode}`);
      }
    }
    assert.equal(seen.length, ROLE_NAMES.length * Object.keys(FAMILY).length);
  });

  it('a role scoped to another resource group is refused on this one', async () => {
    const { authorization } = await f.auth('owner', OTHER_RG);
    for (const req of Object.values(FAMILY)) {
      const r = await f.server.inject({ method: req.method, url: req.url, headers: { authorization }, ...(req.payload !== undefined ? { payload: req.payload as object } : {}) });
      assert.equal(r.statusCode, 403, `${req.method} ${req.url}`);
    }
  });
});
