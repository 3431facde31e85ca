import { shellQuote, type runInRoot } from '../../sandbox/index.js';
import { FailedError } from '../../errors/index.js';
import type { CustomizeStep } from '../../template/types.js';
import { assertCaCertificate, openStage, readVerified, type Stage } from './stage.js';

export interface CustomizeDeps {
  rootfs: string;
  /** Directory template-relative paths resolve against. */
  baseDir: string;
  exec: typeof runInRoot;
  log: (line: string) => void;
  /** Wall-clock limit of one step (the sandbox's default otherwise). */
  timeoutMs?: number;
}

const APT_OPTS = '-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

/** Build the shell command a customize step runs inside the image (staging its files first). */
async function commandFor(step: CustomizeStep, deps: CustomizeDeps, stage: Stage, where: string): Promise<string> {
  switch (step.type) {
    case 'shell': {
      if (step.script) {
        const bytes = await readVerified(deps.baseDir, step.script, step.sha256 ?? '', `${where}/script`);
        const p = await stage.put('script.sh', bytes);
        return `sh ${p}`;
      }
      return (step.inline ?? []).join('\n');
    }
    case 'file': {
      const bytes = await readVerified(deps.baseDir, step.source, step.sha256, `${where}/source`);
      const p = await stage.put('file', bytes);
      const owner = step.owner ? ` -o ${shellQuote(step.owner.split(':')[0]!)} -g ${shellQuote(step.owner.split(':')[1] ?? step.owner.split(':')[0]!)}` : '';
      return `install -D -m ${shellQuote(step.mode ?? '0644')}${owner} ${p} ${shellQuote(step.destination)}`;
    }
    case 'packages': {
      const pkgs = step.install.map(shellQuote).join(' ');
      const update = step.update === false ? '' : 'apt-get -q update\n';
      return `${update}apt-get ${APT_OPTS} install ${pkgs}`;
    }
    case 'ca-certificate': {
      const bytes = await readVerified(deps.baseDir, step.source, step.sha256, `${where}/source`);
      const cert = assertCaCertificate(bytes, `${where}/source`);
      deps.log(`installing CA ${cert.subject.replace(/\n/g, ', ')} (sha256 fingerprint ${cert.fingerprint256})`);
      const p = await stage.put('ca.crt', bytes);
      const file = step.name.replace(/[^A-Za-z0-9._-]/g, '-');
      return [
        'command -v update-ca-certificates >/dev/null || { echo "update-ca-certificates not found: install the ca-certificates package in an earlier step" >&2; exit 1; }',
        `install -D -m 0644 ${p} /usr/local/share/ca-certificates/goldsmith/${file}.crt`,
        'update-ca-certificates',
      ].join('\n');
    }
  }
}

/** Run one customize (or repair) step inside the image. A failing step throws FailedError with its exit code. */
export async function runCustomizeStep(step: CustomizeStep, deps: CustomizeDeps, where: string): Promise<{ durationMs: number }> {
  const stage = await openStage();
  try {
    const cmd = await commandFor(step, deps, stage, where);
    const r = await deps.exec(deps.rootfs, cmd, { onOutput: deps.log, mounts: [stage.mount], timeoutMs: deps.timeoutMs });
    if (r.exitCode !== 0) {
      const why = r.killed === 'timeout' ? 'was killed at its timeout' : r.killed === 'output-limit' ? 'was killed for printing too much output' : r.killed === 'memory' ? 'ran out of memory (its sandbox limit)' : `exited with code ${r.exitCode}`;
      throw new FailedError('CUSTOMIZE_STEP_FAILED', `step "${step.name}" (${step.type}) ${why}`, {
        where,
        data: { step: step.name, exitCode: r.exitCode, killed: r.killed, tail: r.output.split('\n').slice(-20).join('\n') },
      });
    }
    return { durationMs: r.durationMs };
  } finally {
    await stage.clear();
  }
}
