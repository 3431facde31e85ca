/** Shared fixtures for attest tests: temp keyrings, digests and minimal predicates. */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Keyring, PREDICATE_TYPES, attest, slsaProvenance, type Envelope } from '../../src/attest/index.js';

const created: string[] = [];
after(async () => {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

export async function tempDir(prefix = 'goldsmith-attest-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  created.push(d);
  return d;
}

export async function tempKeyring(): Promise<Keyring> {
  return Keyring.forHome(await tempDir());
}

export function sha256(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export const SUBJECT = { name: 'rootfs.tar.zst', digest: sha256('a root filesystem') };

export function spdxPredicate(): Record<string, unknown> {
  return { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'image', dataLicense: 'CC0-1.0', documentNamespace: 'https://goldsmith.dev/spdx/x', packages: [] };
}

export function provenancePredicate() {
  return slsaProvenance({
    runId: 'run-42',
    startedOn: new Date('2026-11-23T10:00:00Z'),
    finishedOn: new Date('2026-11-23T10:05:00Z'),
    template: { name: 'hardened-debian', digest: sha256('template') },
    requestedBase: 'Debian:debian-12:minbase:latest',
    versionParams: { gallery: 'contoso', image: 'debian', version: '1.0.0' },
    base: { uri: 'goldsmith:catalog/Debian/debian-12/minbase/0.20240101.0', digest: sha256('base') },
    mirror: 'http://deb.debian.org/debian',
  });
}

/** One envelope of each predicate Goldsmith signs for a version. */
export async function versionEnvelopes(keyring: Keyring, subject = SUBJECT): Promise<Envelope[]> {
  return Promise.all([
    attest({ subject, predicateType: PREDICATE_TYPES.sbom, predicate: spdxPredicate() }, keyring),
    attest({ subject, predicateType: PREDICATE_TYPES.provenance, predicate: provenancePredicate() }, keyring),
    attest({ subject, predicateType: PREDICATE_TYPES.tattoo, predicate: { IMAGE_ID: 'debian', IMAGE_VERSION: '1.0.0' } }, keyring),
  ]);
}
