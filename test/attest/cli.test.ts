import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { createBundle, Keyring, writeBundle } from '../../src/attest/index.js';
import { CliContext } from '../../src/cli/context.js';
import { registerKeys } from '../../src/cli/keys.js';
import { registerVerify } from '../../src/cli/verify.js';
import { sha256, tempDir, versionEnvelopes } from './support.js';

/** Run `goldsmith <args>` in-process against `home`, capturing stdout. */
async function run(home: string, ...args: string[]): Promise<string> {
  const program = new Command('goldsmith').exitOverride();
  const ctx = new CliContext({ home });
  registerKeys(program, ctx);
  registerVerify(program, ctx);
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk !== 'string') return (write as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'goldsmith', ...args]);
  } finally {
    process.stdout.write = write;
    await ctx.close();
  }
  return out;
}

/** A home whose keyring signed the attestations of a temp artifact. */
async function signedArtifact() {
  const home = await tempDir();
  const artifact = join(home, 'rootfs.tar');
  await writeFile(artifact, 'image bytes');
  const subject = { name: 'rootfs.tar', digest: sha256('image bytes') };
  const bundlePath = join(home, 'rootfs.attestations.json');
  await writeBundle(bundlePath, createBundle(subject, await versionEnvelopes(Keyring.forHome(home), subject)));
  return { home, artifact, bundlePath, subject };
}

describe('goldsmith verify', () => {
  it('verifies a signed artifact and prints each attestation', async () => {
    const { home, artifact, bundlePath } = await signedArtifact();
    const out = await run(home, 'verify', artifact, '--attestations', bundlePath);
    assert.match(out, /ok +https:\/\/spdx.dev\/Document\/v2.3 +signed by [0-9a-f]{16}/);
    assert.match(out, /^verified:/m);
    const json = JSON.parse(await run(home, 'verify', artifact, '--attestations', bundlePath, '--json', '--require', 'sbom,https://slsa.dev/provenance/v1,tattoo'));
    assert.equal(json.ok, true);
    assert.equal(json.results.length, 3);
    await assert.rejects(run(home, 'verify', artifact, '--attestations', bundlePath, '--require', 'sbom,https://example.com/vex/v1'), {
      message: /missing attestation: no valid https:\/\/example.com\/vex\/v1 attestation/,
    });
  });

  it('a tampered artifact exits with the integrity code and says why', async () => {
    const { home, artifact, bundlePath } = await signedArtifact();
    await appendFile(artifact, '!');
    await assert.rejects(run(home, 'verify', artifact, '--attestations', bundlePath), (e: { code: string; exitCode: number; data: { problems: string[] } }) => {
      assert.equal(e.code, 'ATTEST_VERIFY_FAILED');
      assert.equal(e.exitCode, 68);
      assert.match(e.data.problems[0]!, /^artifact digest mismatch/);
      return true;
    });
    const before = process.exitCode;
    try {
      const json = JSON.parse(await run(home, 'verify', artifact, '--attestations', bundlePath, '--json'));
      assert.equal(json.ok, false);
      assert.equal(process.exitCode, 68);
    } finally {
      process.exitCode = before;
    }
  });

  it('another home without the signer in its trust list rejects, until the key is trusted', async () => {
    const { home, artifact, bundlePath } = await signedArtifact();
    const verifier = await tempDir();
    await assert.rejects(run(verifier, 'verify', artifact, '--attestations', bundlePath), { code: 'ATTEST_VERIFY_FAILED', message: /unknown key/ });
    const pem = join(verifier, 'signer.pem');
    await writeFile(pem, await run(home, 'keys', 'export'));
    assert.match(await run(verifier, 'keys', 'trust', 'add', pem), /^trusted: [0-9a-f]{64}/);
    assert.match(await run(verifier, 'verify', artifact, '--attestations', bundlePath), /^verified:/m);
    await assert.rejects(run(verifier, 'verify', artifact, '--attestations', join(verifier, 'nope.json')), { code: 'ATTEST_BUNDLE_NOT_FOUND' });
  });
});

describe('goldsmith keys', () => {
  it('list, rotate, trust list and remove', async () => {
    const home = await tempDir();
    assert.deepEqual(JSON.parse(await run(home, 'keys', 'list', '--json')), []);
    const first = JSON.parse(await run(home, 'keys', 'export', '--json'));
    assert.match(first.publicKeyPem, /BEGIN PUBLIC KEY/);
    const rotated = JSON.parse(await run(home, 'keys', 'rotate', '--json'));
    assert.equal(rotated.previous, first.keyid);
    const rows = JSON.parse(await run(home, 'keys', 'list', '--json')) as Array<{ keyid: string; state: string }>;
    assert.deepEqual(rows.map((r) => [r.keyid, r.state]), [
      [first.keyid, 'retired'],
      [rotated.active, 'active'],
    ]);
    assert.match(await run(home, 'keys', 'trust', 'remove', first.keyid.slice(0, 10)), new RegExp(`no longer trusted: ${first.keyid}`));
    const after = JSON.parse(await run(home, 'keys', 'list', '--json')) as Array<{ keyid: string; state: string }>;
    assert.deepEqual(after.find((r) => r.keyid === first.keyid)?.state, 'untrusted');
    assert.match(await run(home, 'keys', 'trust', 'list'), /^KEYID +STATE/);
    await assert.rejects(run(home, 'keys', 'trust', 'remove', rotated.active), { code: 'ATTEST_KEY_ACTIVE' });
  });
});
