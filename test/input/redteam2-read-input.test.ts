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
