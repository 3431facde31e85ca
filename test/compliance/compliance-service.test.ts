import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ComplianceService, listResults, resultsForResource, summarize } from '../../src/compliance/index.js';
import { isGoldsmithError } from '../../src/errors/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { count, setupGallery, IMAGE, noSizeDefinition, OTHER_RG, putResource, RG, SUB, vm } from './fixtures.js';

const GOLDEN = '/providers/Microsoft.Authorization/policySetDefinitions/goldsmith-golden-image-compliance';
const NOW = new Date('2026-06-01T00:00:00Z');

async function rejects(p: Promise<unknown>, code: string, where?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isGoldsmithError(e), `expected a GoldsmithError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof where === 'string') assert.equal(e.where, where);
    else if (where) assert.match(e.where ?? '', where);
    return true;
  });
}

async function seedFleet(store: Store): Promise<void> {
  (await setupGallery(store)).cleanup();
  await putResource(store, vm('web-1'), false);
  await putResource(store, vm('big-1', { size: 'Standard_M128s' }), false);
  await putResource(store, vm('market-1', { image: { publisher: 'Canonical', offer: 'ubuntu', sku: '22_04', version: 'latest' } }), false);
  await putResource(store, vm('pet-1', { image: `${IMAGE}/versions/1.0.0`, tags: { team: 'data', application: 'warehouse', role: 'pet' } }), false);
  await putResource(store, vm('plain-1', { trusted: false, tags: { team: 'data', application: 'warehouse', role: 'cattle' } }), false);
  await putResource(store, vm('big-2', { rg: OTHER_RG, size: 'Standard_M128s' }), false);
}

describeEachBackend('compliance service', (b) => {
  let store: Store;
  let svc: ComplianceService;
  before(async () => {
    store = await b.open();
    svc = new ComplianceService(store, { clock: () => NOW });
    await seedFleet(store);
  });
  after(async () => store.close());

  test('a bad definition is refused with its JSON path and nothing is stored', async () => {
    await svc.definitions.ensureBuiltins();
    const before = await count(store, 'policy_definitions');
    const bad = noSizeDefinition();
    (bad.properties.policyRule.if.allOf[1] as Record<string, unknown>) = { field: 'Microsoft.Compute/virtualMachines/sku.name', almostEquals: 'x' };
    await rejects(svc.definitions.createDefinition(bad), 'POLICY_INVALID', /^\/properties\/policyRule\/if\/allOf\/1/);
    const unknownAlias = noSizeDefinition();
    (unknownAlias.properties.policyRule.if.allOf[1] as Record<string, unknown>) = { field: 'Microsoft.Compute/virtualMachines/noSuchThing', equals: 'x' };
    await rejects(svc.definitions.createDefinition(unknownAlias), 'POLICY_UNKNOWN_ALIAS', /\/allOf\/1/);
    assert.equal(await count(store, 'policy_definitions'), before);
  });

  test('built-ins and the golden image initiative are seeded once, with remediation links', async () => {
    await svc.definitions.ensureBuiltins();
    await new ComplianceService(store).definitions.ensureBuiltins();
    const defs = await svc.definitions.listDefinitions();
    const builtins = defs.filter((d) => d.policyType === 'BuiltIn');
    assert.equal(builtins.length, 4);
    for (const d of builtins) assert.match(String((d.doc.properties.metadata as Record<string, unknown>).remediationUrl), /^docs\/remediation\/.+\.md$/);
    const set = await svc.definitions.getSetDefinition(GOLDEN);
    assert.deepEqual(set.policyDefinitions.map((r) => r.policyDefinitionReferenceId), ['galleryOnlyImages', 'cattleCurrentImage', 'petImageLifecycle', 'trustedLaunch']);
  });

  test('assignment errors: wrong parameter type, unknown scope, unknown definition; nothing stored', async () => {
    const d = await svc.definitions.createDefinition(noSizeDefinition());
    await rejects(svc.createAssignment({ name: 'x', scope: RG, policyDefinitionId: d.id, parameters: { size: { value: 42 } } }), 'POLICY_PARAMETER_INVALID', '/parameters/size/value');
    await rejects(svc.createAssignment({ name: 'x', scope: RG, policyDefinitionId: d.id, parameters: { nope: { value: 'a' } } }), 'POLICY_PARAMETER_INVALID', '/parameters/nope');
    await rejects(svc.createAssignment({ name: 'x', scope: GOLDEN.replace(/.*/, RG), policyDefinitionId: GOLDEN, parameters: { requireLatest: { value: 'yes' } } }), 'POLICY_PARAMETER_INVALID', '/parameters/requireLatest/value');
    await rejects(svc.createAssignment({ name: 'x', scope: `/subscriptions/${SUB}/resourceGroups/nowhere`, policyDefinitionId: d.id }), 'COMPLIANCE_SCOPE_NOT_FOUND');
    await rejects(svc.createAssignment({ name: 'x', scope: 'rg-without-slash', policyDefinitionId: d.id }), 'COMPLIANCE_SCOPE_INVALID', '/scope');
    await rejects(svc.createAssignment({ name: 'x', scope: RG, policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/missing' }), 'COMPLIANCE_DEFINITION_NOT_FOUND', '/policyDefinitionId');
    await rejects(svc.createAssignment({ name: 'x', scope: RG, policyDefinitionId: d.id, enforcementMode: 'Sometimes' as never }), 'COMPLIANCE_INPUT_INVALID', '/enforcementMode');
    assert.equal(await count(store, 'policy_assignments'), 0);
  });

  test('an exemption for a missing assignment is refused', async () => {
    await rejects(
      svc.assignments.createExemption({ name: 'e', scope: RG, policyAssignmentId: `${RG}/providers/Microsoft.Authorization/policyAssignments/ghost`, exemptionCategory: 'Waiver' }),
      'COMPLIANCE_ASSIGNMENT_NOT_FOUND',
      '/policyAssignmentId',
    );
    assert.equal(await count(store, 'policy_exemptions'), 0);
  });

  test('scan: states, messages, remediation links, notScopes and the golden image initiative', async () => {
    const d = await svc.definitions.getDefinition(`/providers/Microsoft.Authorization/policyDefinitions/no-big-vms`);
    const sizes = await svc.createAssignment({
      name: 'no-big',
      scope: `/subscriptions/${SUB}`,
      notScopes: [OTHER_RG],
      policyDefinitionId: d.id,
      nonComplianceMessages: [{ message: 'Pick a size from the catalogue.' }],
      metadata: { remediationUrl: 'https://wiki.example/vm-sizes' },
    });
    const golden = await svc.createAssignment({ name: 'golden', scope: RG, policyDefinitionId: GOLDEN, parameters: { galleryEffect: { value: 'Audit' } } });
    const report = await svc.scan();
    assert.equal(report.assignments, 2);
    const list = await listResults(store, {});
    const of = (a: string, vmName: string, ref = '') => list.find((r) => r.assignmentId === a && r.resourceId.endsWith('/' + vmName) && (r.referenceId ?? '') === ref);
    assert.equal(of(sizes.id, 'big-1')?.state, 'NonCompliant');
    assert.equal(of(sizes.id, 'big-1')?.message, 'Pick a size from the catalogue.');
    assert.equal(of(sizes.id, 'big-1')?.remediationUrl, 'https://wiki.example/vm-sizes');
    assert.ok(of(sizes.id, 'big-1')!.reasons.some((r) => r.includes('Standard_M128s')));
    assert.equal(of(sizes.id, 'web-1')?.state, 'Compliant');
    assert.equal(of(sizes.id, 'big-2'), undefined, 'notScopes excludes the other resource group');
    // Golden image initiative.
    assert.equal(of(golden.id, 'market-1', 'galleryOnlyImages')?.state, 'NonCompliant');
    assert.equal(of(golden.id, 'market-1', 'cattleCurrentImage')?.state, 'NonCompliant');
    assert.equal(of(golden.id, 'web-1', 'cattleCurrentImage')?.state, 'Compliant');
    assert.equal(of(golden.id, 'pet-1', 'petImageLifecycle')?.state, 'NonCompliant');
    assert.match(of(golden.id, 'pet-1', 'petImageLifecycle')!.remediationUrl ?? '', /pet-image-lifecycle\.md$/);
    assert.equal(of(golden.id, 'web-1', 'petImageLifecycle')?.state, 'Compliant', 'a cattle VM is evaluated and passes the pet rule');
    assert.equal(of(golden.id, 'plain-1', 'trustedLaunch')?.state, 'NonCompliant');
    assert.equal(of(golden.id, 'web-1', 'trustedLaunch')?.state, 'Compliant');
    assert.equal(of(golden.id, 'market-1', 'trustedLaunch')?.state, 'Compliant', 'a marketplace image does not declare Trusted Launch support');
    // A full re-scan is idempotent: same rows, same counts.
    const n = await count(store, 'compliance_results');
    const again = await svc.scan();
    assert.equal(await count(store, 'compliance_results'), n);
    assert.equal(again.written, 0, 'nothing changed, so nothing is rewritten');
    assert.equal(again.results, report.results);
    const stored = (await resultsForResource(store, 'big-1')).results.find((r) => r.assignmentId === sizes.id)!;
    assert.ok(stored.reasons.some((r) => r.includes('Standard_M128s')), 'a NonCompliant row stores its reasons');
    assert.equal(stored.trace, null, 'rows store no explanation tree');
    const nc = (await svc.show('big-1')).results.find((r) => r.assignmentId === sizes.id)!;
    assert.equal(nc.state, 'NonCompliant');
    assert.deepEqual(nc.reasons, stored.reasons);
    assert.ok(Array.isArray(nc.trace) && JSON.stringify(nc.trace).includes('properties.hardwareProfile.vmSize'), 'show returns the full explanation tree');
    const overall = (await summarize(store, 'assignment')).overall;
    assert.equal(overall.total, n);
  });

  test('roll-ups agree between counts and results, and use Azure\'s percentage formula', async () => {
    for (const by of ['assignment', 'definition', 'team', 'application', 'image', 'role', 'scope', 'initiative'] as const) {
      const fast = await summarize(store, by);
      assert.equal(fast.source, 'counts');
      const slow = await summarize(store, by, { expiredExemptions: false, scope: `/subscriptions/${SUB}` });
      assert.equal(slow.source, 'results');
      assert.deepEqual(
        fast.rows.map((r) => [r.key, r.total]).sort(),
        slow.rows.map((r) => [r.key, r.total]).sort(),
        `by ${by}`,
      );
    }
    const byTeam = await summarize(store, 'team');
    const data = byTeam.rows.find((r) => r.key === 'data')!;
    const c = data.counts;
    const expected = ((c.Compliant ?? 0) + (c.Exempt ?? 0)) / ((c.Compliant ?? 0) + (c.Exempt ?? 0) + (c.NonCompliant ?? 0) + (c.Conflicting ?? 0));
    assert.equal(data.compliancePercentage, Math.round(expected * 10000) / 100);
    assert.ok((c.NonCompliant ?? 0) > 0);
    const filtered = await summarize(store, 'image', { team: 'data', state: 'NonCompliant' });
    assert.ok(filtered.rows.every((r) => Object.keys(r.counts).join() === 'NonCompliant'));
    const byRole = await summarize(store, 'role');
    assert.deepEqual(byRole.rows.map((r) => r.key).sort(), ['cattle', 'pet']);
  });

  test('an active exemption makes results Exempt; an expired one shows visibly', async () => {
    const a = await svc.assignments.get('no-big');
    const big1 = `${RG}/providers/Microsoft.Compute/virtualMachines/big-1`;
    await svc.createExemption({ name: 'big-ok', scope: big1, policyAssignmentId: a.id, exemptionCategory: 'Waiver', expiresOn: '2026-12-31T00:00:00Z' });
    await svc.createExemption({ name: 'old-waiver', scope: `${RG}/providers/Microsoft.Compute/virtualMachines/web-1`, policyAssignmentId: a.id, exemptionCategory: 'Mitigated', expiresOn: '2026-01-01T00:00:00Z' });
    await svc.evaluateAssignmentScope(a.id);
    const rows = await listResults(store, { policy: 'no-big' });
    const big = rows.find((r) => r.resourceId === big1)!;
    assert.equal(big.state, 'Exempt');
    assert.match(big.reasons[0]!, /exempt by big-ok \(Waiver/);
    const web = rows.find((r) => r.resourceId.endsWith('/web-1'))!;
    assert.equal(web.state, 'Compliant');
    assert.equal(web.exemptionExpired, true);
    assert.match(web.reasons[0]!, /exemption old-waiver expired on 2026-01-01T00:00:00.000Z/);
    const expired = await listResults(store, { expiredExemptions: true });
    assert.deepEqual(expired.map((r) => r.resourceId), [web.resourceId]);
    const s = await summarize(store, 'assignment', { policy: 'no-big' });
    assert.equal(s.rows[0]!.counts.Exempt, 1);
  });

  test('resource selectors and effect overrides', async () => {
    const d = await svc.definitions.getDefinition('no-big-vms');
    const sel = await svc.createAssignment({
      name: 'eu-only',
      scope: RG,
      policyDefinitionId: d.id,
      resourceSelectors: [{ name: 'not-eu', selectors: [{ kind: 'resourceLocation', notIn: ['westeurope'] }] }],
    });
    await putResource(store, vm('big-us', { size: 'Standard_M128s', location: 'eastus' }), false);
    const golden2 = await svc.createAssignment({
      name: 'golden-no-tl',
      scope: RG,
      policyDefinitionId: GOLDEN,
      overrides: [{ kind: 'policyEffect', value: 'Disabled', selectors: [{ kind: 'policyDefinitionReferenceId', in: ['trustedLaunch', 'galleryOnlyImages'] }] }],
    });
    await svc.scan(RG);
    const rows = await listResults(store, {});
    const selRows = rows.filter((r) => r.assignmentId === sel.id);
    assert.deepEqual(selRows.map((r) => r.resourceId.split('/').at(-1)), ['big-us']);
    const refs = new Set(rows.filter((r) => r.assignmentId === golden2.id).map((r) => r.referenceId));
    assert.deepEqual([...refs].sort(), ['cattleCurrentImage', 'petImageLifecycle']);
  });

  test('DoNotEnforce reports NonCompliant but the admission never denies', async () => {
    const d = await svc.definitions.createDefinition(noSizeDefinition('Deny'), { name: 'deny-big' });
    const a = await svc.createAssignment({ name: 'deny-big-dne', scope: RG, policyDefinitionId: d.id, enforcementMode: 'DoNotEnforce' });
    await svc.evaluateAssignmentScope(a.id);
    const rows = await listResults(store, { policy: a.id, state: 'NonCompliant' });
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.enforcementMode === 'DoNotEnforce' && r.effect === 'deny'));
  });
});

test('compliance percentage: (Compliant + Exempt) / (Compliant + Exempt + NonCompliant + Conflicting)', async () => {
  const { compliancePercentage } = await import('../../src/compliance/index.js');
  assert.equal(compliancePercentage({ Compliant: 6, Exempt: 2, NonCompliant: 1, Conflicting: 1, Unknown: 5, NotStarted: 3 }), 80);
  assert.equal(compliancePercentage({ Unknown: 3 }), null);
});
