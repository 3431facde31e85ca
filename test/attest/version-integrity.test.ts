import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../../src/app/index.js';
import { Keyring } from '../../src/attest/index.js';
import { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import type { Config } from '../../src/config/index.js';
import { isGoldsmithError } from '../../src/errors/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from './support.js';
import { publishSignedVersion } from './version-fixture.js';

/**
 * The attacks that once passed `goldsmith verify <gallery>/<image>/<version>`, each on its own
 * version of one fixture (published and signed as the attest step does, no real build), then the
 * trust root: pinned outside the data directory, reported, and audited when changed.
 */
interface Result {
  code: number;
  stdout: string;
  /** The error message main.ts would print. */
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** `goldsmith <args>` in-process over one open store (opening PGlite per command would cost seconds each). */
async function goldsmith(store: Store, config: Config, ...args: string[]): Promise<Result> {
  const ctx = new CliContext(config, { store });
  let stdout = '';
  const write = process.stdout.write;
  // Only strings are ours: the test runner's own reports to the parent are binary and must pass.
  process.stdout.write = ((s: string | Uint8Array, ...rest: unknown[]) =>
    typeof s === 'string' ? ((stdout += s), true) : (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest)) as typeof process.stdout.write;
  const before = process.exitCode;
  let code = 0;
  let stderr = '';
  process.exitCode = undefined;
  try {
    await buildProgram(ctx).parseAsync(['node', 'goldsmith', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!isGoldsmithError(e)) throw e;
    code = e.exitCode;
    stderr = `goldsmith: error ${e.code}: ${e.message}`;
  } finally {
    process.stdout.write = write;
    process.exitCode = before;
    await ctx.close();
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

describe('verify binds every artifact in every region and the database row to the signed statements', () => {
  let home = '';
  let store: Store;
  let app: App;
  let signerPem = '';
  const outside = { dir: '' };

  before(async () => {
    home = await tempDir('gs-integrity-');
    outside.dir = await tempDir('gs-trust-');
    store = await openStore({ home });
    app = createApp({ home }, store);
    const v = new Map<string, Awaited<ReturnType<typeof publishSignedVersion>>>();
    for (const n of ['1.0.4', '1.0.5', '1.0.6', '1.0.7', '1.0.8', '1.0.9', '1.0.10', '1.0.11', '1.0.12']) v.set(n, await publishSignedVersion(app, n));
    const art = (n: string, kind: string) => v.get(n)!.artifacts.find((a) => a.kind === kind)!;
    const setArtifacts = (n: string, artifacts: unknown) => store.query(`UPDATE gallery_versions SET artifacts = $1::jsonb WHERE name = $2`, [JSON.stringify(artifacts), n]);
    // 1.0.12's row points its SPDX SBOM at 1.0.11's (signed, but for another version).
    await setArtifacts('1.0.12', v.get('1.0.12')!.artifacts.map((a) => (a.kind === 'sbom-spdx' ? art('1.0.11', 'sbom-spdx') : a)));
    // 1.0.5's row points at 1.0.4's signed rootfs (its own bundle kept).
    await setArtifacts('1.0.5', v.get('1.0.5')!.artifacts.map((a) => (a.kind === 'rootfs' ? art('1.0.4', 'rootfs') : a)));
    // 1.0.6's row points at 1.0.4's signed rootfs and 1.0.4's attestation bundle.
    await setArtifacts('1.0.6', v.get('1.0.6')!.artifacts.map((a) => (a.kind === 'rootfs' || a.kind === 'attestation' ? art('1.0.4', a.kind) : a)));
    // 1.0.7: its raw disk tampered with in one target region.
    const raw = await app.artifacts.localPath('eastus', art('1.0.7', 'raw').digest);
    await writeFile(raw, Buffer.concat([await readFile(raw), Buffer.from('\0backdoor')]));
    // 1.0.8: its SPDX SBOM copy in a target region replaced.
    await writeFile(await app.artifacts.localPath('westeurope', art('1.0.8', 'sbom-spdx').digest), '{"spdxVersion":"SPDX-2.3","packages":[]}');
    // 1.0.9: a forged out-of-band tattoo in the database.
    await store.query(`UPDATE gallery_versions SET tattoo = tattoo || $1::jsonb WHERE name = '1.0.9'`, [JSON.stringify({ OOB: 'true', CVE_IDS: 'CVE-2026-0001' })]);
    // 1.0.10: a row whose qcow2 digest is not a digest at all (a path, in the hope it is joined onto the store root).
    await setArtifacts('1.0.10', v.get('1.0.10')!.artifacts.map((a) => (a.kind === 'qcow2' ? { ...a, digest: 'sha256:../../../../etc/passwd' } : a)));
    signerPem = (await app.keyring.active()).publicKeyPem;
  });
  after(() => store.close());

  const cli = (...args: string[]) => goldsmith(store, { home }, ...args);
  const verify = (version: string, config: Partial<Config> = {}, ...more: string[]) => goldsmith(store, { home, ...config }, 'verify', `g/img/${version}`, ...more);

  it('an untouched version verifies: every artifact in both regions, four statements, the row; it names key and trust source', async () => {
    const r = await verify('1.0.4', {}, '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.ok, true);
    assert.deepEqual(r.json.regions.map((x: { region: string; ok: boolean; artifacts: Array<{ kind: string; ok: boolean }> }) => [x.region, x.ok, x.artifacts.map((a) => a.kind).join(',')]).sort(), [
      ['eastus', true, 'rootfs,raw,qcow2,vhd,sbom-spdx,sbom-cyclonedx'],
      ['westeurope', true, 'rootfs,raw,qcow2,vhd,sbom-spdx,sbom-cyclonedx'],
    ]);
    assert.equal(r.json.trust.source, 'data-directory');
    assert.equal(r.json.trust.pinned, false);
    const text = await verify('1.0.4');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /ok +raw +img_1\.0\.4_20261130\.raw/);
    assert.match(text.stdout, /^trust: key [0-9a-f]{16} from data directory trust list .*keys\/trusted\.json$/m);
  });

  it('sbom export hands out only the SBOM signed for that version', async () => {
    const good = await cli('sbom', 'export', 'g/img/1.0.11');
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'sbom-spdx bytes of g/img/1.0.11');
    const swapped = await cli('sbom', 'export', 'g/img/1.0.12');
    assert.equal(swapped.code, 68, swapped.stdout);
    assert.match(swapped.stderr, /SBOM_UNVERIFIED: the sbom-spdx of g\/img\/1\.0\.12 in \w+ does not verify: sbom-spdx is sha256:[0-9a-f]{64}, the signed statement says sha256:/);
    assert.equal(swapped.stdout, '', 'nothing of the other version\'s document is printed');
  });

  it('a row pointing 1.0.5 at 1.0.4\'s signed rootfs fails, naming the field', async () => {
    const r = await verify('1.0.5');
    assert.equal(r.code, 68, r.stdout + r.stderr);
    assert.match(r.stdout, /field artifacts\.rootfs: the database says "sha256:[0-9a-f]{64}", the signed statement says "sha256:/);
    assert.match(r.stderr, /failed in field artifacts\.rootfs/);
  });

  it('a row pointing at another version\'s rootfs and bundle fails on the version number', async () => {
    const r = await verify('1.0.6', {}, '--json');
    assert.equal(r.code, 68);
    const fields = (r.json.fields as Array<{ field: string; database: string; signed: string }>).map((f) => [f.field, f.database, f.signed]);
    assert.deepEqual(fields.find((f) => f[0] === 'version'), ['version', '1.0.6', '1.0.4']);
    assert.ok(fields.some((f) => f[0] === 'tattoo.IMAGE_VERSION'));
    assert.ok(fields.some((f) => f[0] === 'artifacts.raw'), 'its own disks are not what 1.0.4 signed either');
  });

  it('a raw disk tampered with in one region fails, naming the region and the artifact', async () => {
    const r = await verify('1.0.7', {}, '--json');
    assert.equal(r.code, 68);
    const bad = (r.json.regions as Array<{ region: string; ok: boolean; artifacts: Array<{ kind: string; ok: boolean }> }>).filter((x) => !x.ok);
    assert.deepEqual(bad.map((x) => [x.region, x.artifacts.filter((a) => !a.ok).map((a) => a.kind)]), [['eastus', ['raw']]]);
    assert.deepEqual(r.json.fields, []);
    const text = await verify('1.0.7');
    assert.match(text.stdout, /eastus: artifact digest mismatch: raw img_1\.0\.7_20261130\.raw is sha256:/);
    assert.match(text.stderr, /failed in eastus/);
  });

  it('an SBOM copy replaced in a target region fails', async () => {
    const r = await verify('1.0.8');
    assert.equal(r.code, 68);
    assert.match(r.stdout, /westeurope: artifact digest mismatch: sbom-spdx img_1\.0\.8_20261130\.spdx\.json/);
  });

  it('a forged OOB tattoo in the database fails, naming each forged field', async () => {
    const r = await verify('1.0.9', {}, '--json');
    assert.equal(r.code, 68, r.stdout);
    assert.deepEqual(r.json.fields, [
      { field: 'tattoo.CVE_IDS', database: 'CVE-2026-0001' },
      { field: 'tattoo.OOB', database: 'true' },
    ]);
    assert.match((await verify('1.0.9')).stdout, /field tattoo\.OOB: the database says "true", the signed statement says \(absent\)/);
  });

  it('a row with a malformed digest is an integrity failure naming the field, not a crash or a read outside the store', async () => {
    const r = await verify('1.0.10', {}, '--json');
    assert.equal(r.code, 68, r.stdout + r.stderr);
    assert.deepEqual(r.json.fields.map((f: { field: string }) => f.field), ['artifacts.qcow2']);
    assert.ok(r.json.problems.some((p: string) => /eastus: invalid digest: the database records "sha256:\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" for qcow2/.test(p)));
  });

  it('trust pinned outside the data directory is the only trust: the data directory cannot add a key to it', async () => {
    const other = join(outside.dir, 'other.pem');
    const { publicKeyPem } = await Keyring.forHome(await tempDir()).active();
    await writeFile(other, publicKeyPem, { mode: 0o644 });
    const refused = await verify('1.0.4', { trustFile: other });
    assert.equal(refused.code, 68, 'the data directory still trusts the signer, but the pin does not');
    assert.match(refused.stdout, /unknown key|untrusted key/);

    const pinned = join(outside.dir, 'pinned.pem');
    await writeFile(pinned, publicKeyPem + signerPem, { mode: 0o644 });
    const ok = await verify('1.0.4', { trustFile: pinned }, '--json');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.deepEqual([ok.json.trust.source, ok.json.trust.location, ok.json.trust.pinned], ['file', `trust file ${pinned}`, true]);
    assert.match((await verify('1.0.4', {}, '--trust-file', pinned)).stdout, new RegExp(`^trust: key [0-9a-f]{16} from trust file ${pinned}$`, 'm'));
    const listed = await goldsmith(store, { home, trustFile: pinned }, 'keys', 'trust', 'list');
    assert.match(listed.stdout, new RegExp(`^trust pinned by trust file ${pinned}; the data directory trust list is not used$`, 'm'));
    assert.equal(listed.stdout.match(/ pinned$/gm)?.length, 2);
    const env = await verify('1.0.4', { trustedKeys: signerPem });
    assert.match(env.stdout, /^trust: key [0-9a-f]{16} from GOLDSMITH_TRUSTED_KEYS env$/m);

    const inside = join(home, 'trusted.pem');
    await writeFile(inside, signerPem);
    const r = await verify('1.0.4', { trustFile: inside });
    assert.equal(r.code, 65);
    assert.match(r.stderr, /inside the data directory/);
    await chmod(pinned, 0o666);
    assert.equal((await verify('1.0.4', { trustFile: pinned })).code, 68, 'a trust file anyone can write pins nothing');
  });

  it('keys trust add/remove is audited (who, when, key, file) and refused while trust is pinned', async () => {
    const pem = join(outside.dir, 'colleague.pem');
    const { keyid, publicKeyPem } = await Keyring.forHome(await tempDir()).active();
    await writeFile(pem, publicKeyPem);
    const pinned = await goldsmith(store, { home, trustedKeys: signerPem }, 'keys', 'trust', 'add', pem);
    assert.equal(pinned.code, 67);
    assert.match(pinned.stderr, /pinned by GOLDSMITH_TRUSTED_KEYS/);
    const added = await cli('keys', 'trust', 'add', pem);
    assert.equal(added.code, 0, added.stderr);
    const uid = process.getuid!();
    assert.match(added.stdout, new RegExp(`^audit: trust added ${keyid} by \\S+ \\(uid ${uid}\\) at \\S+ from ${pem}`, 'm'));
    assert.equal((await cli('keys', 'trust', 'remove', keyid.slice(0, 12))).code, 0);
    const rotated = await cli('keys', 'rotate', '--json');
    assert.equal(rotated.code, 0, rotated.stderr);
    const log = (await cli('keys', 'trust', 'log', '--json')).json as Array<{ action: string; keyid: string; by: { uid: number }; sourceFile?: string; previous?: string }>;
    assert.deepEqual(log.map((e) => [e.action, e.keyid, e.by.uid, e.sourceFile ?? e.previous]), [
      ['added', keyid, uid, pem],
      ['removed', keyid, uid, undefined],
      ['rotated', rotated.json.active, uid, rotated.json.previous],
    ]);
    assert.match((await cli('keys', 'trust', 'log')).stdout, /^audit: key rotated to [0-9a-f]{64} \(retired [0-9a-f]{64}\) by /m);
  });
});
