import type { Command } from 'commander';
import {
  PREDICATE_TYPES,
  REQUIRED_FOR_PUBLISH,
  shortKeyId,
  verifyBundleForArtifact,
  type ArtifactVerifyResult,
  type ResolvedTrust,
  type VersionVerifyResult,
} from '../attest/index.js';
import { EXIT_CODES, InputError, IntegrityError } from '../errors/index.js';
import { trustFor, verifyVersion } from '../app/supply-chain.js';
import type { CliContext } from './context.js';
import { printJson } from './output.js';

interface VerifyOpts {
  attestations?: string;
  require?: string;
  trustFile?: string;
  json?: boolean;
}

/** "key eee6f39aeaf7a165 from trust file /etc/goldsmith/trusted-keys.pem": which key and which source decided. */
function trustLine(keyids: string[], trust: ResolvedTrust): string {
  const keys = keyids.length ? `key ${keyids.map(shortKeyId).join(', ')}` : 'no key';
  return `trust: ${keys} from ${trust.source.label}`;
}

function render(artifact: string, r: ArtifactVerifyResult & { bundleSubject: string }): string {
  const lines = [`${artifact}: ${r.artifactDigest ?? 'no digest'}`];
  for (const a of r.results) lines.push(`  ${a.ok ? 'ok  ' : 'FAIL'} ${a.predicateType ?? '(unreadable statement)'}${a.keyid ? `  signed by ${a.keyid.slice(0, 16)}` : ''}`);
  lines.push(r.ok ? 'verified: artifact digest, signatures and attestation subjects all check out' : `NOT verified, ${r.problems.length} problem(s):`);
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n');
}

function renderVersion(ref: string, r: VersionVerifyResult): string {
  const lines: string[] = [];
  const short = (d?: string) => (d ? `${d.slice(0, 23)}…` : 'missing');
  for (const region of r.regions) {
    lines.push(`${ref} [${region.region}]`);
    const width = Math.max(0, ...region.artifacts.map((a) => (a.name ?? '').length));
    for (const a of region.artifacts) lines.push(`  ${a.ok ? 'ok  ' : 'FAIL'} ${a.kind.padEnd(14)} ${(a.name ?? '').padEnd(width)}  ${short(a.actual)}`);
    for (const a of region.results) lines.push(`  ${a.ok ? 'ok  ' : 'FAIL'} ${a.predicateType ?? '(unreadable statement)'}${a.keyid ? `  signed by ${shortKeyId(a.keyid)}` : ''}`);
  }
  if (r.fields.length === 0 && r.regions.some((x) => x.artifacts.length > 0)) lines.push('database row: gallery, image, version, tattoo, artifacts and build inputs match the signed image-version statement');
  // Problems once, at the end, each prefixed with its region (or naming the database field).
  lines.push(
    r.ok
      ? 'verified: every artifact in every region, the signatures and the database row all check out'
      : `NOT verified, ${r.problems.length} problem(s):\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  return lines.join('\n');
}

/** `sbom,provenance` → their predicateType URIs; anything that is not a short name is taken as a URI. */
function requiredTypes(list: string | undefined): string[] | undefined {
  const short: Record<string, string> = PREDICATE_TYPES;
  return list?.split(',').map((t) => t.trim()).filter(Boolean).map((t) => short[t] ?? t);
}

/** `goldsmith verify <artifact> --attestations <bundle>` or `goldsmith verify <gallery>/<image>/<version>`, offline. */
export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify <target>')
    .description(
      'verify offline: an artifact file with --attestations <bundle>, or a gallery version <gallery>/<image>/<version> ' +
        '(every artifact in every region against its signed statements, and the database row against the signed image-version statement). ' +
        'Trusted keys come from --trust-file, else GOLDSMITH_TRUST_FILE, else GOLDSMITH_TRUSTED_KEYS, else the data directory trust list',
    )
    .option('--attestations <bundle>', 'attestation bundle (JSON) for an artifact file')
    .option('--require <types>', 'comma-separated predicate types that must be present and valid: sbom, provenance, tattoo, version or a predicateType URI')
    .option('--trust-file <pem>', 'PEM bundle of trusted public keys (pins trust; overrides GOLDSMITH_TRUST_FILE)')
    .option('--json', 'print the full result as JSON')
    .action(async (target: string, opts: VerifyOpts) => {
      const trust = await trustFor(ctx.config, opts.trustFile);
      const trustJson = { source: trust.source.kind, location: trust.source.label, pinned: trust.pinned };
      if (!opts.attestations) {
        const r = await verifyGalleryVersion(ctx, target, trust, requiredTypes(opts.require) ?? [...REQUIRED_FOR_PUBLISH]);
        if (opts.json) printJson({ target, ...r, trust: { ...trustJson, keyids: r.keyids } });
        else process.stdout.write(`${renderVersion(target, r)}\n${trustLine(r.keyids, trust)}\n`);
        if (!r.ok) {
          if (opts.json) process.exitCode = EXIT_CODES.integrity;
          else {
            const where = [...r.fields.map((f) => `field ${f.field}`), ...r.regions.filter((x) => !x.ok).map((x) => x.region)];
            throw new IntegrityError('ATTEST_VERIFY_FAILED', `verification of ${target} failed in ${where.join(', ')}; first: ${r.problems[0]}`, {
              where: target,
              data: { problems: r.problems, fields: r.fields },
            });
          }
        }
        return;
      }
      const result = await verifyBundleForArtifact({ bundlePath: opts.attestations, artifactPath: target, requirePredicateTypes: requiredTypes(opts.require), ...trust });
      const keyids = [...new Set(result.results.filter((x) => x.ok && x.keyid).map((x) => x.keyid!))];
      if (opts.json) {
        // One JSON document either way; the exit code carries the verdict.
        printJson({ ...result, trust: { ...trustJson, keyids } });
        if (!result.ok) process.exitCode = EXIT_CODES.integrity;
        return;
      }
      process.stdout.write(`${render(target, result)}\n${trustLine(keyids, trust)}\n`);
      if (!result.ok) {
        throw new IntegrityError('ATTEST_VERIFY_FAILED', `verification failed with ${result.problems.length} problem(s); first: ${result.problems[0]}`, { where: target, data: { problems: result.problems } });
      }
    });
}

/** Verify a published version: every artifact's bytes in each region it was replicated to, and its row. */
async function verifyGalleryVersion(ctx: CliContext, ref: string, trust: ResolvedTrust, required: string[]): Promise<VersionVerifyResult> {
  const [gallery, image, version, ...rest] = ref.split('/');
  if (!gallery || !image || !version || rest.length) {
    throw new InputError('CLI_BAD_TARGET', `expected an artifact file with --attestations, or <gallery>/<image>/<version>; got ${ref}`, { where: ref });
  }
  return verifyVersion(await ctx.app(), { gallery, image, version }, trust, required);
}
