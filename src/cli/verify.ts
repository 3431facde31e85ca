import type { Command } from 'commander';
import { Keyring, PREDICATE_TYPES, REQUIRED_FOR_PUBLISH, trustFromKeyring, verifyBundleForArtifact, type ArtifactVerifyResult, type TrustInput } from '../attest/index.js';
import { InputError } from '../errors/index.js';
import { EXIT_CODES, IntegrityError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { printJson } from './output.js';

interface VerifyOpts {
  attestations?: string;
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
    .command('verify <target>')
    .description(
      'verify offline, against the local trust list: an artifact file with --attestations <bundle>, or a gallery version ' +
        '<gallery>/<image>/<version> (its rootfs in every region against its stored SBOM, provenance and tattoo attestations)',
    )
    .option('--attestations <bundle>', 'attestation bundle (JSON) for an artifact file')
    .option('--require <types>', 'comma-separated predicate types that must be present and valid: sbom, provenance, tattoo or a predicateType URI')
    .option('--json', 'print the full result as JSON')
    .action(async (artifact: string, opts: VerifyOpts) => {
      const trust = await trustFromKeyring(Keyring.forHome(ctx.config.home));
      if (!opts.attestations) {
        const results = await verifyGalleryVersion(ctx, artifact, trust, requiredTypes(opts.require) ?? [...REQUIRED_FOR_PUBLISH]);
        const ok = results.every((r) => r.result.ok);
        if (opts.json) printJson({ target: artifact, ok, regions: results.map((r) => ({ region: r.region, ...r.result })) });
        else for (const r of results) process.stdout.write(render(`${artifact} [${r.region}]`, r.result) + '\n');
        if (!ok) {
          if (opts.json) process.exitCode = EXIT_CODES.integrity;
          else throw new IntegrityError('ATTEST_VERIFY_FAILED', `verification of ${artifact} failed in ${results.filter((r) => !r.result.ok).map((r) => r.region).join(', ')}`, { where: artifact });
        }
        return;
      }
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

/** Verify a published version's rootfs archive in each region it was replicated to. */
async function verifyGalleryVersion(ctx: CliContext, ref: string, trust: TrustInput, required: string[]) {
  const [gallery, image, version, ...rest] = ref.split('/');
  if (!gallery || !image || !version || rest.length) {
    throw new InputError('CLI_BAD_TARGET', `expected an artifact file with --attestations, or <gallery>/<image>/<version>; got ${ref}`, { where: ref });
  }
  const app = await ctx.app();
  const v = await app.gallery.showVersion({ gallery, image, version });
  const rootfs = v.artifacts.find((a) => a.kind === 'rootfs');
  const bundle = v.artifacts.find((a) => a.kind === 'attestation');
  if (!rootfs || !bundle) throw new IntegrityError('ATTEST_VERSION_UNATTESTED', `${ref} has no ${rootfs ? 'attestation bundle' : 'rootfs artifact'}`, { where: ref });
  const out = [];
  for (const region of v.replicationStatus.map((r) => r.region)) {
    const result = await verifyBundleForArtifact({
      bundlePath: app.artifacts.path(region, bundle.digest),
      artifactPath: app.artifacts.path(region, rootfs.digest),
      artifactDigest: rootfs.digest,
      requirePredicateTypes: required,
      ...trust,
    }).catch((e: Error) => ({ ok: false, problems: [e.message], results: [], artifactDigest: undefined, bundleSubject: '' }) as unknown as ArtifactVerifyResult & { bundleSubject: string });
    out.push({ region, result });
  }
  return out;
}
