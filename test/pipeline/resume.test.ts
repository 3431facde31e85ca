import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app/index.js';
import { openStore } from '../../src/store/index.js';
import { cachedMinbase, MINBASE_RECIPE } from '../support/base-image.js';
import { TEST_BASE } from '../support/app.js';

const BIN = fileURLToPath(new URL('../../../bin/goldsmith.js', import.meta.url));

test('a build killed mid-run resumes from its last checkpoint; a second process meanwhile gets a clear lock error', async () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-kill-'));
  const env: NodeJS.ProcessEnv = { ...process.env, GOLDSMITH_HOME: home };
  delete env.GOLDSMITH_DATABASE_URL;
  {
    const store = await openStore({ home });
    const app = createApp({ home }, store);
    await app.catalog.add({ ...TEST_BASE, recipe: MINBASE_RECIPE });
    await app.catalog.adoptArtifact(TEST_BASE, await cachedMinbase());
    await store.close();
  }
  const motd = 'resumable\n';
  writeFileSync(join(home, 'motd'), motd);
  const template = join(home, 't.json');
  writeFileSync(
    template,
    JSON.stringify({
      name: 'killme',
      source: { ...TEST_BASE, version: 'latest' },
      customize: [{ type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: createHash('sha256').update(motd).digest('hex') }],
      validate: { checks: [{ type: 'command', name: 'slow-check', run: 'sleep 3; grep -q resumable /etc/motd' }] },
      distribute: { gallery: 'k', image: 'img', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], versioning: { scheme: 'latest' } },
    }),
  );

  const child = spawn(process.execPath, [BIN, 'build', 'run', template, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let runId = '';
  let lockError: ReturnType<typeof spawnSync> | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const e = JSON.parse(line) as { type: string; step?: string; runId: string };
    runId = e.runId;
    if (e.type === 'step.start' && e.step === 'validate') {
      lockError = spawnSync(process.execPath, [BIN, 'gallery', 'list', '--json'], { env, encoding: 'utf8' });
      child.kill('SIGKILL');
      break;
    }
  }
  await new Promise((r) => child.on('close', r));
  assert.ok(runId);
  assert.equal(lockError!.status, 75, String(lockError!.stderr));
  assert.match(String(lockError!.stderr), new RegExp(`STORE_LOCKED.*in use by process ${child.pid}`));

  const resumed = spawnSync(process.execPath, [BIN, 'build', 'resume', runId, '--json'], { env, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr + resumed.stdout);
  const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string; from?: string; state?: string });
  const restore = events.find((e) => e.type === 'run.restore');
  assert.equal(restore?.from, 'customize', 'rootfs restored from the customize checkpoint, not rebuilt');
  assert.deepEqual(events.filter((e) => e.type === 'step.start').map((e) => e.step), ['tattoo', 'sbom', 'validate', 'package', 'boot', 'attest', 'publish']);
  assert.equal(events.at(-1)?.state, 'succeeded');

  const shown = spawnSync(process.execPath, [BIN, 'build', 'show', runId, '--json'], { env, encoding: 'utf8' });
  const run = JSON.parse(shown.stdout) as { state: string; steps: Array<{ name: string }> };
  assert.equal(run.state, 'succeeded');
  assert.equal(run.steps.filter((s) => s.name === 'customize').length, 1, 'customize ran once');
});
