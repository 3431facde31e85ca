/**
 * Second red team (issue 10): a run's scratch quota is a tmpfs (its content is RAM). A run that
 * ended with an exception (a checkpoint that would not restore, the store failing) left it mounted,
 * holding the whole working rootfs in memory until someone resumed the run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { Runner } from '../../src/pipeline/runner.js';
import type { PipelineServices } from '../../src/pipeline/step.js';
import type { RunRecord } from '../../src/pipeline/run-store.js';
import type { LoadedTemplate } from '../../src/template/types.js';

const work = mkdtempSync(join(tmpdir(), 'gs-redteam2-scratch-'));
after(() => rmSync(work, { recursive: true, force: true }));

const isMountPoint = (d: string) => existsSync(d) && statSync(d).dev !== statSync(dirname(d)).dev;

test('a run that throws does not leave its scratch tmpfs mounted', { skip: process.getuid?.() === 0 ? false : 'the scratch quota needs root' }, async () => {
  const scratch = join(work, 'scratch');
  const services = { scratch, scratchQuotaBytes: 64 * 2 ** 20, clock: () => new Date(), buildRegion: 'local' } as unknown as PipelineServices;
  const run = { id: 'run-throws', workDir: join(work, 'w'), outputs: {}, templateName: 't' } as unknown as RunRecord;
  let mountedDuringRun = false;
  const runner = new Runner(services, [{ name: 'only', description: 'x', rootfs: 'none', run: async () => ({ outputs: {} }) }] as never, (ev) => {
    if (ev.type === 'run.start') {
      mountedDuringRun = isMountPoint(join(scratch, run.id));
      throw new Error('the store went away');
    }
  });
  await assert.rejects(runner.execute(run, {} as LoadedTemplate), /the store went away/);
  assert.ok(mountedDuringRun, 'the quota was mounted while the run ran');
  assert.ok(!isMountPoint(join(scratch, run.id)), 'the scratch quota is still mounted');
});
