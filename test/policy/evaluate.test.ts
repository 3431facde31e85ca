import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileDefinition, decide, evaluate, evaluateAll, type ConditionTrace, type Resource } from '../../src/policy/index.js';

const vm: Resource = {
  id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
  name: 'vm1',
  type: 'Microsoft.Compute/virtualMachines',
  location: 'westeurope',
  tags: { role: 'cattle' },
  properties: { storageProfile: { dataDisks: [{ lun: 0, managedDisk: { storageAccountType: 'Premium_LRS' } }, { lun: 1, managedDisk: { storageAccountType: 'Standard_LRS' } }] } },
};
const dataDisks = 'Microsoft.Compute/virtualMachines/storageProfile.dataDisks[*].managedDisk.storageAccountType';

describe('evaluate', () => {
  it('explains a [*] leaf: alias, resolved path, every member, operator, expected', () => {
    const p = compileDefinition({ if: { field: dataDisks, equals: 'Premium_LRS' }, then: { effect: 'audit' } });
    const r = evaluate(p, vm);
    assert.equal(r.applicable, false);
    const leaf = r.trace[0] as ConditionTrace;
    assert.equal(leaf.field, dataDisks);
    assert.equal(leaf.resolvedPath, 'properties.storageProfile.dataDisks[*].managedDisk.storageAccountType');
    assert.deepEqual(leaf.actual, ['Premium_LRS', 'Standard_LRS']);
    assert.deepEqual(leaf.elements, [
      { index: 0, value: 'Premium_LRS', result: true },
      { index: 1, value: 'Standard_LRS', result: false },
    ]);
    assert.equal(leaf.operator, 'equals');
    assert.equal(leaf.expected, 'Premium_LRS');
  });

  it('records count members with their where traces', () => {
    const p = compileDefinition({
      if: { count: { field: 'Microsoft.Compute/virtualMachines/storageProfile.dataDisks[*]', where: { field: dataDisks, equals: 'Standard_LRS' } }, greater: 0 },
      then: { effect: 'deny' },
    });
    const r = evaluate(p, vm);
    assert.equal(r.complianceState, 'NonCompliant');
    const leaf = r.trace[0] as ConditionTrace;
    assert.equal(leaf.actual, 1);
    assert.deepEqual(leaf.members!.map((m) => m.matched), [false, true]);
    assert.equal((leaf.members![1]!.where[0] as ConditionTrace).resolvedPath, "current('Microsoft.Compute/virtualMachines/storageProfile.dataDisks[*]').managedDisk.storageAccountType");
  });

  it('turns a function error into an implicit deny whose reason says so', () => {
    const p = compileDefinition({ if: { value: "[substring(field('name'), 0, 50)]", equals: 'x' }, then: { effect: 'audit' } });
    const r = evaluate(p, vm);
    assert.equal(r.effect, 'deny');
    assert.equal(r.complianceState, 'NonCompliant');
    assert.equal(r.error?.where, '/if');
    assert.match(r.reasons[0]!, /implicit deny/);
    assert.match(r.reasons[0]!, /substring\(\): index 0 and length 50 are out of range/);
  });

  it('pins utcNow to the injected clock, also in the lazily built trace', () => {
    const p = compileDefinition({ if: { value: '[utcNow()]', equals: '2026-03-04T05:06:07.0000000Z' }, then: { effect: 'audit' } });
    const r = evaluate(p, vm, { now: new Date('2026-03-04T05:06:07Z') });
    assert.equal(r.applicable, true);
    assert.equal((r.trace[0] as ConditionTrace).result, true);
    assert.equal(evaluate(p, vm, { now: '2027-01-01T00:00:00Z' }).applicable, false);
  });

  it('folds parameter-only conditions at compile time and still explains them', () => {
    const def = { properties: { parameters: { on: { type: 'Boolean' } }, policyRule: { if: { allOf: [{ value: "[parameters('on')]", equals: true }, { field: 'name', equals: 'vm1' }] }, then: { effect: 'audit' } } } };
    const off = evaluate(compileDefinition(def, { on: { value: false } }), vm);
    assert.equal(off.applicable, false);
    const t = off.trace[0]!;
    assert.ok(t.kind === 'allOf' && (t.children[0] as ConditionTrace).constant === true && t.children[1]!.kind === 'skipped');
    assert.equal(evaluate(compileDefinition(def, { on: { value: true } }), vm).applicable, true);
  });

  it('modify returns the changed document and leaves the input untouched', () => {
    const p = compileDefinition({ if: { field: 'tags.owner', exists: false }, then: { effect: 'modify', details: { operations: [{ operation: 'addOrReplace', field: 'tags.owner', value: "[concat('team-', field('tags.role'))]" }] } } });
    const r = evaluate(p, vm);
    assert.deepEqual(r.modified?.tags, { role: 'cattle', owner: 'team-cattle' });
    assert.deepEqual(vm.tags, { role: 'cattle' });
    assert.equal(r.operations?.[0]?.path, 'tags.owner');
  });

  it('serialises with reasons and trace', () => {
    const r = evaluate(compileDefinition({ if: { field: 'name', equals: 'vm1' }, then: { effect: 'deny' } }), vm);
    const j = JSON.parse(JSON.stringify(r));
    assert.deepEqual(Object.keys(j).sort(), ['applicable', 'complianceState', 'effect', 'reasons', 'trace']);
    assert.equal(j.trace[0].actual, 'vm1');
  });

  it('evaluateAll agrees with evaluate', () => {
    const ps = [
      compileDefinition({ if: { field: 'name', like: 'vm*' }, then: { effect: 'audit' } }),
      compileDefinition({ if: { field: dataDisks, notEquals: 'Premium_ZRS' }, then: { effect: 'deny' } }),
      compileDefinition({ if: { field: 'location', equals: 'eastus' }, then: { effect: 'deny' } }),
    ];
    assert.deepEqual(
      evaluateAll(ps, vm).map((r) => [r.applicable, r.effect, r.complianceState]),
      ps.map((p) => evaluate(p, vm)).map((r) => [r.applicable, r.effect, r.complianceState]),
    );
  });
});

describe('decide', () => {
  const deny = compileDefinition({ if: { field: 'tags.role', equals: 'cattle' }, then: { effect: 'deny' } });
  const audit = compileDefinition({ if: { field: 'name', equals: 'vm1' }, then: { effect: 'audit' } });
  const protect = compileDefinition({ if: { field: 'name', equals: 'vm1' }, then: { effect: 'denyAction', details: { actionNames: ['delete'] } } });
  const append = compileDefinition({ if: { field: 'tags.x', exists: false }, then: { effect: 'append', details: [{ field: 'tags.x', value: '1' }] } });
  const results = [audit, protect, deny, append].map((p) => evaluate(p, vm));

  it('denies a write when any deny matches, and orders results as Azure evaluates them', () => {
    const d = decide(results, 'write');
    assert.equal(d.allowed, false);
    assert.deepEqual(d.denials.map((r) => r.effect), ['deny']);
    assert.deepEqual(d.ordered.map((r) => r.effect), ['append', 'deny', 'denyAction', 'audit']);
    assert.deepEqual(d.mutations.map((r) => r.effect), ['append']);
  });
  it('denies a delete only through denyAction', () => {
    const d = decide(results, 'delete');
    assert.deepEqual(d.denials.map((r) => r.effect), ['denyAction']);
    assert.equal(decide([results[0]!], 'delete').allowed, true);
  });
});

describe('append and modify conflicts', () => {
  const addTeam = (conflictEffect?: string) =>
    compileDefinition({
      if: { field: 'name', equals: 'vm1' },
      then: { effect: 'modify', details: { ...(conflictEffect ? { conflictEffect } : {}), operations: [{ operation: 'add', field: 'tags.role', value: 'pet' }, { operation: 'addOrReplace', field: 'tags.x', value: '1' }] } },
    });
  it('modify add over a different value denies the request by default (conflictEffect deny)', () => {
    const r = evaluate(addTeam(), vm);
    assert.equal(r.conflictEffect, 'deny');
    assert.equal(decide([r]).allowed, false);
  });
  it('with conflictEffect audit the request passes and every operation is skipped', () => {
    const r = evaluate(addTeam('audit'), vm);
    assert.equal(decide([r]).allowed, true);
    assert.deepEqual(r.operations!.map((o) => o.applied), [false, false]);
    assert.deepEqual(r.modified?.tags, vm.tags);
    assert.equal(r.complianceState, 'NonCompliant');
  });
  it('append over a different value acts as a deny on a request', () => {
    const r = evaluate(compileDefinition({ if: { field: 'name', equals: 'vm1' }, then: { effect: 'append', details: [{ field: 'tags.role', value: 'pet' }] } }), vm);
    assert.equal(decide([r]).allowed, false);
    assert.equal(r.modified?.tags?.role, 'cattle');
  });
  it('remove is refused for anything but tags', () => {
    assert.throws(
      () => compileDefinition({ if: { field: 'name', equals: 'vm1' }, then: { effect: 'modify', details: { operations: [{ operation: 'remove', field: 'Microsoft.Compute/licenseType' }] } } }),
      /only supported for tags/,
    );
  });
});
