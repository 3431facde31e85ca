import type { BootRecord } from '../../attest/index.js';
import { isTrustedLaunch } from '../../template/semantic-checks.js';
import type { BootValidation } from '../../template/types.js';
import { bootDisk, type BootResult } from '../../vm/index.js';
import { runCustomizeStep } from '../customize/run-step.js';
import { runInRoot } from '../../sandbox/index.js';
import type { StepContext, StepDefinition } from '../step.js';
import { finalArtifacts, packageRootfs, type PackageOutputs } from './package.js';
import type { TattooBootOutputs } from './tattoo.js';

/** Boot validation when the template says nothing: the budget and memory of the schema's defaults. */
const DEFAULT_BOOT: BootValidation = { maxSeconds: 180, memoryMiB: 1024, checks: [] };
/** Room beyond the boot budget for the guest checks and power-off before QEMU is killed. */
const CHECKS_GRACE_MS = 120_000;

export interface BootStepOutputs extends Partial<PackageOutputs> {
  /** Absent when the image has no boot to validate (a root filesystem without a kernel). */
  record?: BootRecord;
  skipped?: string;
  attempts: Array<{ attempt: number; reason?: string; repaired: string[] }>;
}

/**
 * Deploy the raw disk as a local VM — UEFI, Secure Boot enforced and a vTPM for Trusted Launch
 * images — measure power-on to multi-user.target against the template's budget, and run the guest
 * checks inside it. A failure runs the repairs bound to validate.boot (then re-packages and boots
 * again, up to maxRepairAttempts); still failing stops the run in needs-repair: never published.
 */
export const bootStep: StepDefinition = {
  name: 'boot',
  description: 'deploy the disk as a VM, measure its boot and test it (Secure Boot, vTPM)',
  rootfs: 'mutates',
  async run(ctx) {
    const t = ctx.template.template;
    const tattooBoot = ctx.outputOf<{ boot?: TattooBootOutputs }>('tattoo').boot;
    if (t.validate.boot === false) return skip(ctx, 'validate.boot is false');
    if (!tattooBoot?.bootable) {
      if (t.validate.boot === undefined) return skip(ctx, 'the image is a root filesystem without a boot chain');
      const why = `validate.boot is set but the image cannot boot: ${(tattooBoot?.missing ?? ['no boot configuration']).join('; ')}`;
      ctx.log(why);
      return { outputs: { attempts: [], skipped: why }, status: 'needs-repair' };
    }
    const cfg = t.validate.boot ?? DEFAULT_BOOT;
    const secureBoot = cfg.secureBoot ?? isTrustedLaunch(t.distribute.securityType);
    const tpm = cfg.tpm ?? secureBoot;
    const attempts: BootStepOutputs['attempts'] = [];
    let packaged: PackageOutputs | undefined;
    let record = await bootOnce(ctx, finalArtifacts(ctx), cfg, secureBoot, tpm);
    for (let attempt = 1; !record.ok && attempt <= t.validate.maxRepairAttempts && cfg.repair?.length; attempt++) {
      ctx.log(`repair attempt ${attempt} after a failed boot (${record.reason}): ${cfg.repair.join(', ')}`);
      for (const name of cfg.repair) {
        for (const [i, step] of (t.repair[name] ?? []).entries()) {
          await runCustomizeStep(step, { rootfs: ctx.rootfs, baseDir: ctx.template.baseDir, exec: runInRoot, log: ctx.log }, `/repair/${name}/${i}`);
        }
      }
      attempts.push({ attempt, reason: record.reason, repaired: cfg.repair });
      packaged = await packageRootfs(ctx);
      record = await bootOnce(ctx, packaged, cfg, secureBoot, tpm);
    }
    const outputs: BootStepOutputs = { record, attempts, ...(packaged ?? {}) };
    if (!record.ok) return { outputs: { ...outputs }, status: 'needs-repair' };
    return { outputs: { ...outputs } };
  },
};

function skip(ctx: StepContext, why: string) {
  ctx.log(`boot validation skipped: ${why}`);
  return { outputs: { attempts: [], skipped: why } };
}

async function bootOnce(ctx: StepContext, packaged: PackageOutputs, cfg: BootValidation, secureBoot: boolean, tpm: boolean): Promise<BootRecord> {
  const raw = packaged.artifacts.find((a) => a.kind === 'raw');
  if (!raw) throw new Error('the package step made no raw disk for a bootable image');
  ctx.log(`booting ${raw.digest.slice(0, 19)}… under QEMU (UEFI${secureBoot ? ', Secure Boot enforced' : ''}${tpm ? ', vTPM 2.0' : ''}), budget ${cfg.maxSeconds} s`);
  const r = await bootDisk({
    disk: await ctx.services.artifacts.localPath(ctx.services.buildRegion, raw.digest),
    format: 'raw',
    secureBoot,
    tpm,
    memoryMiB: cfg.memoryMiB,
    maxBootSeconds: cfg.maxSeconds,
    timeoutMs: cfg.maxSeconds * 1000 + CHECKS_GRACE_MS,
    guestChecks: cfg.checks,
  });
  logResult(ctx, r);
  return {
    ok: r.ok,
    accelerator: r.accelerator,
    bootSeconds: r.bootSeconds === null ? null : Math.round(r.bootSeconds * 100) / 100,
    maxSeconds: cfg.maxSeconds,
    secureBoot: { enforced: r.secureBoot.expected, verified: r.secureBoot.verified },
    tpm: { attached: r.tpm.expected, present: r.tpm.present, eventLog: r.tpm.eventLog, pcr7: r.tpm.pcr7 },
    checks: r.checks.map((c) => ({ name: c.name, ok: c.ok })),
    disk: { kind: 'raw', digest: raw.digest },
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

function logResult(ctx: StepContext, r: BootResult): void {
  ctx.log(`accelerator ${r.accelerator}; ${r.bootSeconds === null ? 'never reached multi-user.target' : `multi-user.target after ${r.bootSeconds.toFixed(1)} s`}`);
  if (r.guestBootText) ctx.log(`guest: ${r.guestBootText.split('\n')[0]}`);
  if (r.secureBoot.expected) ctx.log(`${r.secureBoot.verified ? 'pass' : 'FAIL'}  secure-boot: ${r.secureBoot.verified ? 'enabled in the guest' : 'not seen enabled in the guest'}`);
  if (r.tpm.expected) ctx.log(`${r.tpm.present && (r.tpm.eventLog || r.tpm.pcr7) ? 'pass' : 'FAIL'}  vtpm: /dev/tpm0 ${r.tpm.present ? 'present' : 'absent'}, event log ${r.tpm.eventLog ? 'present' : 'absent'}, PCR 7 ${r.tpm.pcr7 ? 'extended' : 'zero'}`);
  for (const c of r.checks) ctx.log(`${c.ok ? 'pass' : 'FAIL'}  ${c.name}${c.ok ? '' : `: ${c.output.split('\n').slice(-3).join(' | ')}`}`);
  if (!r.ok) {
    ctx.log(`boot failed: ${r.reason}${r.detail ? ` (${r.detail})` : ''}; last console lines:`);
    for (const l of r.consoleTail.slice(-25)) ctx.log(`  ${l}`);
  }
}
