import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dueOccurrence } from '../../src/pipeline/schedule.js';
import { testApp, TEST_BASE } from '../support/app.js';
import { backends } from '../support/stores.js';

test('dueOccurrence: the newest firing after the last run and not after now (UTC)', () => {
  const monthly = '0 3 1 * *';
  assert.equal(dueOccurrence(monthly, new Date('2026-11-01T03:00:00Z'), new Date('2026-11-30T00:00:00Z')), undefined);
  assert.equal(dueOccurrence(monthly, new Date('2026-11-01T03:00:00Z'), new Date('2026-12-01T03:00:00Z'))?.toISOString(), '2026-12-01T03:00:00.000Z');
  // Missed months collapse into one build for the newest occurrence.
  assert.equal(dueOccurrence(monthly, new Date('2026-08-15T00:00:00Z'), new Date('2026-12-10T00:00:00Z'))?.toISOString(), '2026-12-01T03:00:00.000Z');
});

test('scheduled templates build once when due, as kind "scheduled"', async () => {
  let now = new Date('2026-11-20T00:00:00Z');
  const app = await testApp(backends[0]!, { clock: () => now });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sched-'));
    writeFileSync(join(dir, 'motd'), 'monthly\n');
    const file = join(dir, 't.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'monthly',
        source: { ...TEST_BASE, version: 'latest' },
        customize: [{ type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: createHash('sha256').update('monthly\n').digest('hex') }],
        distribute: { gallery: 'sched', image: 'img', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], versioning: { scheme: 'latest' } },
        schedule: { cron: '0 3 1 * *' },
      }),
    );
    const s = await app.schedules.add(file);
    assert.equal(s.cron, '0 3 1 * *');
    assert.equal((await app.schedules.list())[0]!.nextRun, '2026-12-01T03:00:00.000Z');
    // Created now: nothing due until December.
    await app.store.query(`UPDATE build_schedules SET created_at = $1`, [now.toISOString()]);
    assert.deepEqual(await app.schedules.runDue(), []);
    now = new Date('2026-12-01T04:00:00Z');
    const runs = await app.schedules.runDue();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.kind, 'scheduled');
    assert.equal(runs[0]!.state, 'succeeded', JSON.stringify(runs[0]!.error));
    assert.deepEqual(await app.schedules.runDue(), [], 'not again for the same occurrence');
    await assert.rejects(app.schedules.add(join(dir, 'missing.json')), { kind: 'not-found' });
  } finally {
    await app.close();
  }
});
