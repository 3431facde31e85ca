import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ComplianceService, ComplianceTriggers } from '../../src/compliance/index.js';
import { InputError } from '../../src/errors/index.js';
import { Metrics, metricsText } from '../../src/metrics/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { putResource, RG, vm } from './fixtures.js';

describeEachBackend('compliance trigger failures are reported and counted', (b) => {
  let store: Store;
  let svc: ComplianceService;
  before(async () => {
    store = await b.open();
    svc = new ComplianceService(store);
  });
  after(async () => store.close());

  test('a failing batch: one line to onError, counted by error kind, exposed in metrics text', async () => {
    const metrics = new Metrics();
    const lines: string[] = [];
    const triggers = new ComplianceTriggers(svc, { metrics, onError: (l) => void lines.push(l) }).start();
    const real = svc.evaluateResources.bind(svc);
    let fail: Error | undefined = new InputError('COMPLIANCE_RESOURCE_INVALID', 'the resource loader choked');
    svc.evaluateResources = async (ids) => {
      if (fail) throw fail;
      return real(ids);
    };
    try {
      await putResource(store, vm('a'));
      await triggers.idle();
      fail = new TypeError('undefined is not a function');
      await putResource(store, vm('b'));
      await triggers.idle();
      fail = undefined;
      await putResource(store, vm('c'));
      await triggers.idle();
    } finally {
      triggers.stop();
    }
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /compliance trigger failed \(input\) on 1 event\(s\) \[resource\.written\] up to id \d+: COMPLIANCE_RESOURCE_INVALID: the resource loader choked/);
    assert.match(lines[1]!, /\(internal\).*undefined is not a function/);
    assert.equal(triggers.stats.failures, 2);
    assert.equal(metrics.value('goldsmith_trigger_failures_total', { kind: 'input' }), 1);
    assert.equal(metrics.value('goldsmith_trigger_failures_total', { kind: 'internal' }), 1);
    assert.equal(metrics.value('goldsmith_trigger_events_handled_total'), 3);
    const text = metricsText(metrics);
    assert.match(text, /^# TYPE goldsmith_trigger_failures_total counter$/m);
    assert.match(text, /^goldsmith_trigger_failures_total\{kind="input"\} 1$/m);
  });
});

test('cachesToInvalidate: which caches an event makes stale', async () => {
  const { cachesToInvalidate } = await import('../../src/compliance/index.js');
  const none = { policies: false, scopes: false, gallery: false };
  assert.deepEqual(cachesToInvalidate({ type: 'policy.assignment.updated', subject: '/x' }), { ...none, policies: true });
  assert.deepEqual(cachesToInvalidate({ type: 'gallery.version.published', subject: '/x' }), { ...none, gallery: true });
  assert.deepEqual(cachesToInvalidate({ type: 'resource.written', subject: '/providers/Microsoft.Management/managementGroups/mg1' }), { ...none, scopes: true });
  assert.deepEqual(cachesToInvalidate({ type: 'resource.deleted', subject: '/subscriptions/11111111-1111-1111-1111-111111111111' }), { ...none, scopes: true });
  assert.deepEqual(cachesToInvalidate({ type: 'resource.written', subject: `${RG}/providers/Microsoft.Compute/virtualMachines/v` }), none);
  assert.deepEqual(cachesToInvalidate({ type: 'vm.updated', subject: '/x' }), none);
});
