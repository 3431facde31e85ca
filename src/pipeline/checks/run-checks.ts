import type { Check } from '../../template/types.js';
import type { runInRoot as RunInRoot } from '../../sandbox/index.js';
import { scanSecretsDetailed, type ScanOptions } from '../secrets/scan-secrets.js';
import type { Tattoo } from '../tattoo/tattoo.js';
import { broken, type CheckOutcome, type CheckResult } from './check-result.js';
import { commandCheck } from './command-check.js';
import { fileAbsent, fileContains, fileExists, fileMode } from './file-checks.js';
import { packageInstalled, readInstalledPackages } from './package-check.js';
import { serviceEnabled } from './service-check.js';
import { tattooComplete } from './tattoo-check.js';

export interface CheckDeps {
  runInRoot: typeof RunInRoot;
  /** The tattoo this build wrote; tattoo-complete then also compares every field against it. */
  tattoo?: Partial<Tattoo>;
  /** Per command check; default 5 minutes. */
  commandTimeoutMs?: number;
  /** Network for command checks; default off. */
  commandNetwork?: boolean;
  /** Live output of command checks (progress display, step log). */
  onOutput?: (check: string, line: string) => void;
}

/**
 * Run the template's checks in order against a root filesystem. Every check yields one result;
 * nothing here throws for an image that is wrong, and an unexpected error in one check becomes
 * that check's 'error' result without stopping the others.
 */
export async function runChecks(rootDir: string, checks: Check[], deps: CheckDeps): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let packages: Awaited<ReturnType<typeof readInstalledPackages>> | null = null;
  for (const check of checks) {
    const started = performance.now();
    let outcome: CheckOutcome;
    try {
      switch (check.type) {
        case 'file-exists':
          outcome = await fileExists(rootDir, check.path);
          break;
        case 'file-absent':
          outcome = await fileAbsent(rootDir, check.path);
          break;
        case 'file-contains':
          outcome = await fileContains(rootDir, check.path, check.pattern);
          break;
        case 'file-mode':
          outcome = await fileMode(rootDir, check.path, check.mode);
          break;
        case 'package-installed':
          if (packages === null) packages = await readInstalledPackages(rootDir);
          outcome = packageInstalled(packages, check.package, check.version);
          break;
        case 'command':
          outcome = await commandCheck(rootDir, check.run, {
            runInRoot: deps.runInRoot,
            timeoutMs: deps.commandTimeoutMs,
            network: deps.commandNetwork,
            onOutput: deps.onOutput && ((l) => deps.onOutput!(check.name, l)),
          });
          break;
        case 'service-enabled':
          outcome = await serviceEnabled(rootDir, check.service);
          break;
        case 'tattoo-complete':
          outcome = await tattooComplete(rootDir, deps.tattoo);
          break;
        default:
          outcome = broken(`unknown check type ${JSON.stringify((check as { type: unknown }).type)}`);
      }
    } catch (e) {
      outcome = broken(`the check could not run: ${(e as Error).message}`);
    }
    results.push({
      name: check.name,
      type: check.type,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
      ...(check.repair?.length ? { repair: [...check.repair] } : {}),
    });
  }
  return results;
}

/** Name of the hygiene results, per rule, so a pipeline can bind repairs to them. */
export const secretCheckName = (rule: string): string => `secret-scan/${rule}`;

/**
 * Checks that run on every image whatever the template says: the secret scan. One failed result
 * per finding (rule and path in the message, never the secret), or one passed result.
 */
export async function hygieneChecks(rootDir: string, opts: ScanOptions = {}): Promise<CheckResult[]> {
  const started = performance.now();
  let scan;
  try {
    scan = await scanSecretsDetailed(rootDir, opts);
  } catch (e) {
    return [{ name: 'secret-scan', type: 'secret-scan', status: 'error', message: `secret scan could not run: ${(e as Error).message}`, durationMs: Math.round(performance.now() - started) }];
  }
  const { findings, stats } = scan;
  if (findings.length === 0) {
    return [{
      name: 'secret-scan',
      type: 'secret-scan',
      status: 'passed',
      message: `no private keys, tokens or passwords found (${stats.filesScanned} text files, ${stats.binaryFiles} binary searched for key blocks, ${stats.containersOpened} compressed files or archives opened, ${stats.durationMs} ms)`,
      durationMs: stats.durationMs,
    }];
  }
  return findings.map((f) => ({
    name: secretCheckName(f.rule),
    type: 'secret-scan' as const,
    status: 'failed' as const,
    message: `${f.rule}: ${f.path}${f.line ? `:${f.line}` : ''}: ${f.message}`,
    durationMs: stats.durationMs,
    finding: { path: f.path, rule: f.rule, ...(f.line ? { line: f.line } : {}) },
  }));
}
