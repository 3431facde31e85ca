import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { PIPELINE } from '../../src/pipeline/registry.js';
import { loadTemplate, planBuild } from '../../src/template/index.js';

const DEMO = fileURLToPath(new URL('../../../examples/demo/golden-debian12.yaml', import.meta.url));

test('the plan shows exactly the steps the pipeline runs, in order', async () => {
  const plan = await planBuild(await loadTemplate(DEMO), {
    resolveBase: async (ref) => ({ ...ref, version: '1.0.0', bootable: true }),
    nextVersion: async () => '1.0.0',
  });
  assert.deepEqual(plan.steps.map((s) => s.step), PIPELINE.map((s) => s.name));
});

test('step names are unique and every checkpoint step changes the rootfs', () => {
  assert.equal(new Set(PIPELINE.map((s) => s.name)).size, PIPELINE.length);
  for (const s of PIPELINE.filter((s) => s.checkpoint)) assert.ok(s.rootfs === 'creates' || s.rootfs === 'mutates', s.name);
});
