import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isZip, ZipReader } from '../../src/vuln/index.js';

/** Archives are made by Info-ZIP's zip (an independent implementation), so the reader is tested for interop. */
function makeZip(files: Record<string, string>, flags: string[] = []): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'gs-zip-'));
  const src = join(dir, 'src');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), body);
  }
  execFileSync('zip', ['-q', '-r', ...flags, join(dir, 'out.zip'), '.'], { cwd: src });
  return readFileSync(join(dir, 'out.zip'));
}

const contents = (zip: ZipReader) => Object.fromEntries(zip.entries.filter((e) => !e.name.endsWith('/')).map((e) => [e.name, zip.read(e).toString('utf8')]));

describe('ZipReader', () => {
  const files = { 'a.json': '{"id":"A"}'.repeat(200), 'dir/b.json': 'héllo wörld\n', 'empty.json': '' };

  it('reads deflated members', () => {
    const buf = makeZip(files);
    assert.ok(isZip(buf));
    const z = ZipReader.open(buf, 'x.zip');
    assert.ok(z.entries.some((e) => e.method === 8), 'compressible member is deflated');
    assert.deepEqual(contents(z), files);
  });

  it('reads stored members (zip -0)', () => {
    const z = ZipReader.open(makeZip(files, ['-0']), 'x.zip');
    assert.ok(z.entries.filter((e) => !e.name.endsWith('/')).every((e) => e.method === 0));
    assert.deepEqual(contents(z), files);
  });

  it('reads ZIP64 archives (zip -fz)', () => {
    const z = ZipReader.open(makeZip(files, ['-fz']), 'x.zip');
    assert.deepEqual(contents(z), files);
  });

  it('reads an archive with a trailing comment', () => {
    const buf = makeZip(files);
    // Set a comment by hand: EOCD comment length + bytes.
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const withComment = Buffer.concat([buf.subarray(0, eocd + 20), Buffer.from([5, 0]), Buffer.from('hello')]);
    assert.deepEqual(contents(ZipReader.open(withComment, 'x.zip')), files);
  });

  it('reads many members', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`r/${i}.json`, `{"n":${i}}`]));
    assert.deepEqual(contents(ZipReader.open(makeZip(many), 'x.zip')), many);
  });

  it('detects a corrupted member by CRC or inflate failure', () => {
    const buf = makeZip({ 'a.json': 'abcdefghij'.repeat(50) }, ['-0']);
    const at = buf.indexOf('abcdefghij');
    buf[at + 3] ^= 0xff;
    const z = ZipReader.open(buf, 'bad.zip');
    assert.throws(() => z.read(z.entries[0]!), (e: Error & { code?: string }) => e.code === 'VULN_ZIP_INVALID' && /CRC mismatch/.test(e.message));
  });

  it('refuses a truncated archive and text that is not a zip', () => {
    const buf = makeZip(files);
    assert.throws(() => ZipReader.open(buf.subarray(0, buf.length - 30), 't.zip'), /not a readable zip archive/);
    assert.throws(() => ZipReader.open(buf.subarray(0, 100), 't.zip'), /not a readable zip archive/);
    assert.equal(isZip(Buffer.from('plain text')), false);
  });

  it('refuses a central directory that points past the end of the file', () => {
    const buf = Buffer.from(makeZip(files));
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    buf.writeUInt32LE(buf.length + 1000, eocd + 16);
    assert.throws(() => ZipReader.open(buf, 'x.zip'), /beyond end of file/);
  });
});
