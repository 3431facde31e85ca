import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseImport, scopesFor } from '../../src/fleet/vm-import.js';
import { ROOT } from '../template/support.js';
import { fuzz, label, mustFitLimits, SCALE, summarize, type FuzzCase } from './harness.js';
import { mutateText, mutateValue, toJsonText } from './mutate.js';
import { Rng } from './prng.js';

const SEED = readFileSync(join(ROOT, 'test/fleet/fixtures/az-vm-list.json'), 'utf8');

function* fleetCases(n: number): Iterable<FuzzCase> {
  const rng = new Rng(0xf1ee7);
  const doc = JSON.parse(SEED) as unknown;
  for (let i = 0; i < n; i++) {
    const text = rng.chance(0.25) ? mutateText(SEED, rng) : toJsonText(mutateValue(doc, rng));
    // What `vm import` does with the file: parse and check, then derive the scope documents.
    yield { label: label(`#${i}`, text), run: () => scopesFor(mustFitLimits(parseImport(text, 'vms.json'), 'VM documents')) };
  }
}

test('fuzz: `az vm list` documents are imported or refused with a typed error', async () => {
  const r = await fuzz('fleet', fleetCases(300 * SCALE));
  console.log(summarize(r));
  assert.deepEqual(r.findings, []);
  assert.ok(r.refused > 0 && r.ok > 0);
});
