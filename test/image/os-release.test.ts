import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseOsRelease, readOsRelease } from '../../src/image/index.js';

test('parseOsRelease handles quotes, escapes, comments and junk lines', () => {
  const f = parseOsRelease('# c\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nX=\'single $q\'\nY="a \\"b\\" \\$c"\nnot a line\n');
  assert.deepEqual(f, { NAME: 'Debian GNU/Linux', ID: 'debian', VERSION_ID: '12', X: 'single $q', Y: 'a "b" $c' });
});

test('readOsRelease follows the etc → usr/lib symlink and falls back; undefined for a non-rootfs', async () => {
  const d = mkdtempSync(join(tmpdir(), 'gs-osr-'));
  try {
    mkdirSync(join(d, 'etc'));
    mkdirSync(join(d, 'usr/lib'), { recursive: true });
    assert.equal(await readOsRelease(d), undefined);
    writeFileSync(join(d, 'usr/lib/os-release'), 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n');
    symlinkSync('../usr/lib/os-release', join(d, 'etc/os-release'));
    assert.deepEqual(
      { ...(await readOsRelease(d)), fields: undefined },
      { id: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)', versionId: '12', fields: undefined },
    );
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
