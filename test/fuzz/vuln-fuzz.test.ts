import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAdvisories } from '../../src/vuln/index.js';
import { ROOT } from '../template/support.js';
import { fuzz, label, mustFitLimits, SCALE, summarize, type FuzzCase } from './harness.js';
import { mutateText, mutateValue, toJsonText } from './mutate.js';
import { Rng } from './prng.js';

const FIXTURES = join(ROOT, 'test/vuln/fixtures');
const SEEDS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, text: readFileSync(join(FIXTURES, f), 'utf8') }));
const scratch = mkdtempSync(join(tmpdir(), 'gs-fuzz-vuln-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A real zip of the fixtures (Info-ZIP), for byte-level damage to the reader's offsets and sizes. */
function seedZip(): Buffer {
  const src = join(scratch, 'zip-src');
  mkdirSync(src);
  for (const s of SEEDS) writeFileSync(join(src, s.name), s.text);
  execFileSync('zip', ['-q', '-r', join(scratch, 'seed.zip'), '.'], { cwd: src });
  return readFileSync(join(scratch, 'seed.zip'));
}

const NOW = new Date('2026-01-01T00:00:00Z');

function* vulnCases(n: number): Iterable<FuzzCase> {
  const rng = new Rng(0x05f0b5);
  const zip = seedZip();
  for (let i = 0; i < n; i++) {
    const file = join(scratch, `case-${i}${rng.chance(0.15) ? '.zip' : '.json'}`);
    const how = rng.int(5);
    let bytes: Buffer | string;
    if (how === 0) {
      const z = Buffer.from(zip);
      // Damage a few bytes, biased to the central directory and the end record at the tail.
      for (let k = 0, m = 1 + rng.int(4); k < m; k++) z[rng.chance(0.6) ? z.length - 1 - rng.int(Math.min(z.length, 200)) : rng.int(z.length)] = rng.int(256);
      bytes = rng.chance(0.2) ? z.subarray(0, rng.int(z.length)) : z;
    } else {
      const seed = rng.pick(SEEDS);
      bytes = how === 1 ? mutateText(seed.text, rng) : toJsonText(mutateValue(JSON.parse(seed.text), rng));
    }
    const text = typeof bytes === 'string' ? bytes : `<zip ${bytes.length} bytes>`;
    const format = rng.pick(['auto', 'auto', 'osv', 'debian-tracker'] as const);
    yield {
      label: label(`#${i} ${how}`, text),
      run: async () => {
        writeFileSync(file, bytes);
        try {
          mustFitLimits((await readAdvisories(file, { now: NOW, format })).advisories, 'advisories');
        } finally {
          rmSync(file, { force: true });
        }
      },
    };
  }
}

test('fuzz: OSV records, Debian tracker JSON and zip dumps are read or refused with a typed error', async () => {
  const r = await fuzz('vuln', vulnCases(400 * SCALE));
  console.log(summarize(r));
  assert.deepEqual(r.findings, []);
  assert.ok(r.refused > 0 && r.ok > 0);
});
