import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
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

/**
 * A zip of the fixtures (stored members, written here so the test needs no `zip` binary), for
 * byte-level damage to the reader's offsets, sizes and CRCs.
 */
function seedZip(): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const s of SEEDS) {
    const name = Buffer.from(s.name);
    const data = Buffer.from(s.text);
    const crc = crc32(data);
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt16LE(20, 4);
    loc.writeUInt32LE(crc, 14);
    loc.writeUInt32LE(data.length, 18);
    loc.writeUInt32LE(data.length, 22);
    loc.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(data.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    cen.writeUInt32LE(offset, 42);
    locals.push(loc, name, data);
    central.push(cen, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(SEEDS.length, 8);
  end.writeUInt16LE(SEEDS.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

test('fuzz: the seed zip is readable, so damage to it tests the reader rather than a broken seed', async () => {
  const file = join(scratch, 'seed.zip');
  writeFileSync(file, seedZip());
  const r = await readAdvisories(file, { now: NOW }).catch((e: Error & { code?: string }) => e);
  // bad-record and unknown-ecosystem fixtures are refused on purpose: a typed refusal about a member proves the zip itself was read.
  assert.ok(!(r instanceof Error) || /^VULN_(OSV_INVALID|UNKNOWN_ECOSYSTEM)$/.test(r.code ?? ''), String(r));
});

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
