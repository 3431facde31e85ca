import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AdmissionService, ComplianceService, ComplianceTriggers, listResults, whatIf } from '../../src/compliance/index.js';
import type { Store } from '../../src/store/index.js';
import type { Fixture } from '../gallery/fixtures.js';
import { describeEachBackend } from '../support/stores.js';
import { count, setupGallery, deleteResource, noSizeDefinition, putResource, RG, vm } from './fixtures.js';

const GOLDEN = '/providers/Microsoft.Authorization/policySetDefinitions/goldsmith-golden-image-compliance';
const NOW = new Date('2026-06-01T00:00:00Z');
const vmId = (n: string) => `${RG}/providers/Microsoft.Compute/virtualMachines/${n}`;

/** auditIfNotExists: every Linux VM needs the monitoring agent extension. */
const needsAgent = {
  name: 'needs-agent',
  properties: {
    mode: 'Indexed',
    policyRule: {
      if: { field: 'type', equals: 'Microsoft.Compute/virtualMachines' },
      then: {
        effect: 'auditIfNotExists',
        details: {
          type: 'Microsoft.Compute/virtualMachines/extensions',
          existenceCondition: { field: 'Microsoft.Compute/virtualMachines/extensions/type', equals: 'AzureMonitorLinuxAgent' },
        },
      },
    },
  },
};

/** deployIfNotExists: the same check, with a deployment to remediate. */
const deployAgent = {
  name: 'deploy-agent',
  properties: {
    mode: 'Indexed',
    policyRule: {
      if: { field: 'type', equals: 'Microsoft.Compute/virtualMachines' },
      then: {
        effect: 'deployIfNotExists',
        details: {
          type: 'Microsoft.Compute/virtualMachines/extensions',
          roleDefinitionIds: ['/providers/Microsoft.Authorization/roleDefinitions/9980e02c-c2be-4d73-94e8-173b1dc7cf3c'],
          existenceCondition: { field: 'Microsoft.Compute/virtualMachines/extensions/type', equals: 'AzureMonitorLinuxAgent' },
          deployment: { properties: { mode: 'incremental', template: { resources: [] }, parameters: { vmName: { value: "[field('name')]" } } } },
        },
      },
    },
  },
};

const tagOwner = {
  name: 'tag-owner',
  properties: {
    mode: 'Indexed',
    policyRule: {
      if: { allOf: [{ field: 'type', equals: 'Microsoft.Compute/virtualMachines' }, { field: "tags['owner']", exists: 'false' }] },
      then: {
        effect: 'modify',
        details: { roleDefinitionIds: ['/providers/microsoft.authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c'], operations: [{ operation: 'add', field: "tags['owner']", value: 'platform' }] },
      },
    },
  },
};

const keepProd = {
  name: 'keep-prod',
  properties: {
    mode: 'Indexed',
    policyRule: {
      if: { allOf: [{ field: 'type', equals: 'Microsoft.Compute/virtualMachines' }, { field: "tags['env']", equals: 'prod' }] },
      then: { effect: 'denyAction', details: { actionNames: ['delete'] } },
    },
  },
};

describeEachBackend('compliance triggers, admission and what-if', (b) => {
  let store: Store;
  let svc: ComplianceService;
  let triggers: ComplianceTriggers;
  let gallery: Fixture;
  before(async () => {
    store = await b.open();
    svc = new ComplianceService(store, { clock: () => NOW });
    triggers = new ComplianceTriggers(svc).start();
    gallery = await setupGallery(store);
    await putResource(store, vm('seed'), false);
  });
  after(async () => {
    triggers.stop();
    gallery.cleanup();
    await store.close();
  });

  test('a resource write re-evaluates that resource within milliseconds; a delete removes its results', async () => {
    const d = await svc.definitions.createDefinition(noSizeDefinition());
    await svc.createAssignment({ name: 'sizes', scope: RG, policyDefinitionId: d.id, nonComplianceMessages: [{ message: 'too big' }] });
    await triggers.idle();
    assert.equal((await listResults(store, { policy: 'sizes' })).length, 1, 'the assignment trigger evaluated its scope');
    await putResource(store, vm('big', { size: 'Standard_M128s' }));
    await triggers.idle();
    const latency = triggers.stats.lastLatencyMs;
    const rows = await listResults(store, { policy: 'sizes', state: 'NonCompliant' });
    assert.deepEqual(rows.map((r) => r.resourceId), [vmId('big')]);
    assert.equal(rows[0]!.message, 'too big');
    assert.ok(latency < 2000, `single-change latency ${latency.toFixed(1)} ms`);
    console.log(`# single VM write → result committed: ${latency.toFixed(1)} ms [${b.name}]`);
    await putResource(store, vm('big', { size: 'Standard_D2s_v5' }));
    await triggers.idle();
    assert.equal((await listResults(store, { policy: 'sizes', state: 'NonCompliant' })).length, 0);
    await deleteResource(store, vmId('big'));
    await triggers.idle();
    assert.equal((await listResults(store, {})).filter((r) => r.resourceId === vmId('big')).length, 0);
    assert.equal(triggers.stats.failures, 0);
  });

  test('auditIfNotExists sees extensions under the VM; writing one re-evaluates the VM; deployIfNotExists records a remediation', async () => {
    const aine = await svc.definitions.createDefinition(needsAgent);
    const dine = await svc.definitions.createDefinition(deployAgent);
    await svc.createAssignment({ name: 'agent', scope: RG, policyDefinitionId: aine.id });
    await svc.createAssignment({ name: 'agent-deploy', scope: RG, policyDefinitionId: dine.id });
    await triggers.idle();
    const seed = (await listResults(store, { policy: 'agent' })).find((r) => r.resourceId === vmId('seed'))!;
    assert.equal(seed.state, 'NonCompliant');
    const rem = await store.query<{ resource_id: string; deployment: { properties: { parameters: { vmName: { value: string } } } } }>(`SELECT resource_id, deployment FROM compliance_remediations`);
    assert.deepEqual(rem.map((r) => r.resource_id), [vmId('seed')]);
    assert.equal(rem[0]!.deployment.properties.parameters.vmName.value, 'seed');
    await putResource(store, { id: `${vmId('seed')}/extensions/AzureMonitorLinuxAgent`, name: 'AzureMonitorLinuxAgent', type: 'Microsoft.Compute/virtualMachines/extensions', location: 'westeurope', properties: { type: 'AzureMonitorLinuxAgent', publisher: 'Microsoft.Azure.Monitor' } });
    await triggers.idle();
    const after = (await listResults(store, { policy: 'agent' })).find((r) => r.resourceId === vmId('seed'))!;
    assert.equal(after.state, 'Compliant');
    assert.equal(await count(store, 'compliance_remediations'), 0, 'the remediation record goes once the VM complies');
  });

  test('a gallery change re-evaluates the VMs on that image definition', async () => {
    await svc.createAssignment({ name: 'golden', scope: RG, policyDefinitionId: GOLDEN, parameters: { requireLatest: { value: true } } });
    await triggers.idle();
    const state = async () => (await listResults(store, { policy: 'golden' })).find((r) => r.resourceId === vmId('seed') && r.referenceId === 'cattleCurrentImage')!;
    assert.equal((await state()).state, 'Compliant');
    gallery.now = new Date('2026-03-01T00:00:00Z');
    await gallery.publish('1.2.0');
    await triggers.idle();
    const s = await state();
    assert.equal(s.state, 'NonCompliant', 'a newer latest makes a requireLatest cattle VM non-compliant');
    assert.ok(s.reasons.some((r) => /image\.(isLatest|lifecycle)/.test(r)), s.reasons.join('; '));
    assert.equal(s.imageVersion, 'g1/ubuntu/1.1.0');
    assert.equal(triggers.stats.failures, 0);
  });

  test('admission: deny names the assignment and message; modify changes the request; denyAction blocks deletes', async () => {
    const admission = new AdmissionService(svc);
    const deny = await svc.definitions.createDefinition(noSizeDefinition('Deny'), { name: 'deny-big' });
    await svc.createAssignment({ name: 'deny-big', scope: RG, policyDefinitionId: deny.id, nonComplianceMessages: [{ message: 'Use a D-series size.' }] });
    await svc.createAssignment({ name: 'deny-big-dne', scope: RG, policyDefinitionId: deny.id, enforcementMode: 'DoNotEnforce' });
    const modify = await svc.definitions.createDefinition(tagOwner);
    await svc.createAssignment({ name: 'owner-tag', scope: RG, policyDefinitionId: modify.id });
    const protect = await svc.definitions.createDefinition(keepProd);
    await svc.createAssignment({ name: 'keep-prod', scope: RG, policyDefinitionId: protect.id });
    const big = await admission.review(vm('new-big', { size: 'Standard_M128s' }), { action: 'write' });
    assert.equal(big.allowed, false);
    assert.equal(big.denials.length, 1, 'the DoNotEnforce assignment does not deny');
    assert.equal(big.denials[0]!.assignmentName, 'deny-big');
    assert.equal(big.denials[0]!.message, 'Use a D-series size.');
    const ok = await admission.review(vm('new-small'), { action: 'write' });
    assert.equal(ok.allowed, true);
    assert.equal(ok.resource.tags?.owner, 'platform');
    assert.equal(ok.mutations.length, 1);
    const prod = vm('prod-1', { tags: { env: 'prod', owner: 'x' } });
    assert.equal((await admission.review(prod, { action: 'delete' })).allowed, false);
    assert.equal((await admission.review(prod, { action: 'write' })).allowed, true);
    await assert.rejects(admission.review({ type: 'x' }, { action: 'write' }), /needs an Azure id/);
  });

  test('what-if reports new non-compliance and the percentage change, and writes nothing', async () => {
    await triggers.idle();
    await putResource(store, vm('huge', { size: 'Standard_M128s' }));
    await triggers.idle();
    const tables = ['policy_assignments', 'compliance_results', 'compliance_counts', 'change_events', 'compliance_remediations'];
    const before = await Promise.all(tables.map((t) => count(store, t)));
    const states = await store.query(`SELECT assignment_id, resource_id_lower, state FROM compliance_results ORDER BY 1, 2`);
    const report = await whatIf(svc, { name: 'what-if-sizes', scope: RG, policyDefinitionId: (await svc.definitions.getDefinition('no-big-vms')).id, parameters: { effect: { value: 'Deny' } } });
    assert.deepEqual(report.wouldDeny, [vmId('huge')]);
    assert.deepEqual(report.nonCompliant.map((r) => r.resourceId), [vmId('huge')]);
    assert.ok(report.change !== null && report.after.compliancePercentage !== null);
    assert.equal(report.after.counts.NonCompliant, (report.before.counts.NonCompliant ?? 0) + 1);
    await triggers.idle();
    assert.deepEqual(await Promise.all(tables.map((t) => count(store, t))), before);
    assert.deepEqual(await store.query(`SELECT assignment_id, resource_id_lower, state FROM compliance_results ORDER BY 1, 2`), states);
  });
});

test('parentOf maps extensions and guest configuration assignments to their VM', async () => {
  const { parentOf } = await import('../../src/compliance/resource-loader.js');
  const v = vmId('x').toLowerCase();
  assert.equal(parentOf(`${v}/extensions/a`), v);
  assert.equal(parentOf(`${v}/providers/microsoft.guestconfiguration/guestconfigurationassignments/p`), v);
  assert.equal(parentOf(v), undefined);
});
