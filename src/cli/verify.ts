import type { Command } from 'commander';
import { Keyring, PREDICATE_TYPES, trustFromKeyring, verifyBundleForArtifact, type ArtifactVerifyResult } from '../attest/index.js';
import { EXIT_CODES, IntegrityError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { printJson } from './output.js';

interface VerifyOpts {
  attestations: string;
  require?: string;
  json?: boolean;
}

function render(artifact: string, r: ArtifactVerifyResult & { bundleSubject: string }): string {
  const lines = [`${artifact}: ${r.artifactDigest ?? 'no digest'}`];
  for (const a of r.results) lines.push(`  ${a.ok ? 'ok  ' : 'FAIL'} ${a.predicateType ?? '(unreadable statement)'}${a.keyid ? `  signed by ${a.keyid.slice(0, 16)}` : ''}`);
  lines.push(r.ok ? 'verified: artifact digest, signatures and attestation subjects all check out' : `NOT verified, ${r.problems.length} problem(s):`);
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n');
}

/** `sbom,provenance` → their predicateType URIs; anything that is not a short name is taken as a URI. */
function requiredTypes(list: string | undefined): string[] | undefined {
  const short: Record<string, string> = PREDICATE_TYPES;
  return list?.split(',').map((t) => t.trim()).filter(Boolean).map((t) => short[t] ?? t);
}

/** `goldsmith verify <artifact> --attestations <bundle>`: offline check against the local trust list. */
export function registerVerify(program: Command, ctx: CliContext): void {
  program
    .command('verify <artifact-file>')
    .description('verify an artifact against its attestation bundle, offline: sha256, DSSE signatures by trusted keys, in-toto subjects')
    .requiredOption('--attestations <bundle>', 'attestation bundle (JSON) for the artifact')
    .option('--require <types>', 'comma-separated predicate types that must be present and valid: sbom, provenance, tattoo or a predicateType URI')
    .option('--json', 'print the full result as JSON')
    .action(async (artifact: string, opts: VerifyOpts) => {
      const trust = await trustFromKeyring(Keyring.forHome(ctx.config.home));
      const result = await verifyBundleForArtifact({ bundlePath: opts.attestations, artifactPath: artifact, requirePredicateTypes: requiredTypes(opts.require), ...trust });
      if (opts.json) {
        // One JSON document either way; the exit code carries the verdict.
        printJson(result);
        if (!result.ok) process.exitCode = EXIT_CODES.integrity;
        return;
      }
      process.stdout.write(render(artifact, result) + '\n');
      if (!result.ok) {
        throw new IntegrityError('ATTEST_VERIFY_FAILED', `verification failed with ${result.problems.length} problem(s); first: ${result.problems[0]}`, { where: artifact, data: { problems: result.problems } });
      }
    });
}
