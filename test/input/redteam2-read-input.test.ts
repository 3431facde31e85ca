/**
 * Second red team (issue 10): input files that are not plain files. `readFile` read /dev/zero until
 * V8 gave up (RangeError, exit 70: `template validate`, `verify --attestations`), read for minutes
 * (`cve import`), and an EIO from a read escaped as an internal error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { readInputText } from '../../src/input/index.js';
import { cliFor } from '../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'gs-redteam2-input-'));
after(() => rmSync(home, { recursive: true, force: true }));
const cli = cliFor(home);

test('readInputText stops at its limit on an endless device, and reads a small file whole', async () => {
  await assert.rejects(readInputText('/dev/zero', 4096), (e: Error & { code?: string }) => e.code === 'INPUT_TOO_LARGE');
  const f = join(home, 'small.json');
  writeFileSync(f, '{"a":1}');
  assert.equal(await readInputText(f, 7), '{"a":1}');
  await assert.rejects(readInputText(f, 6), (e: Error & { code?: string }) => e.code === 'INPUT_TOO_LARGE');
});

test('no CLI input file is an internal error: endless devices, unreadable files, directories', () => {
  const cases: string[][] = [
    ['template', 'validate', '/dev/zero'],
    ['verify', 'x', '--attestations', '/dev/zero'],
    ['policy', 'validate', '/dev/zero'],
    ['vm', 'import', '/dev/zero'],
    ['template', 'validate', '/proc/self/mem'],
    ['template', 'validate', home],
  ];
  for (const args of cases) {
    const r = cli(...args);
    assert.ok(r.code === 65 || r.code === 66, `${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error/, args.join(' '));
  }
});

/** A one-member zip whose directory says the member expands to `size` bytes (the data is tiny). */
function zipDeclaring(name: string, size: number): Buffer {
  const data = deflateRawSync(Buffer.from('[]'));
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(n.length, 28);
  const cdOffset = local.length + n.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, central, n, end]);
}

test('cve import refuses a zip member that expands past the advisory limit before inflating it', () => {
  // A real 3 MB zip of a 3 GB member crashed the process (fatal V8 error, exit 133) after taking
  // 6.6 GB of memory; the declared size is refused first.
  const f = join(home, 'bomb.zip');
  writeFileSync(f, zipDeclaring('a.json', 2 ** 30));
  const r = cli('cve', 'import', f);
  assert.equal(r.code, 65, r.stderr);
  assert.match(r.stderr, /INPUT_TOO_LARGE/);
});
