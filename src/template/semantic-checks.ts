import { isVersionName } from '../arm/index.js';
import { Cron } from 'croner';
import { userRegexProblem } from '../input/index.js';
import { parsePackageSpec, isDebianVersion } from './package-spec.js';
import { pointerOf, problem, TEMPLATE_CODES as C, type Problem } from './problems.js';
import { stepFileRef } from './registry.js';
import type { CustomizeStep, Template } from './types.js';

/** What the loader found for a file a template references: its sha256, null when missing, or why it was refused. */
export type FileDigest = string | null | { refused: string };
export type FileDigests = ReadonlyMap<string, FileDigest>;

const SOURCE_VERSION = /^(latest|\d+(\.\d+){0,3})$/;

/**
 * Rules the schema cannot express. Pure: the file digests are looked up by the caller. Returns
 * every problem, so the user sees them all at once.
 */
export function semanticProblems(t: Template, files: FileDigests): Problem[] {
  const out: Problem[] = [];

  if (!SOURCE_VERSION.test(t.source.version)) {
    out.push(problem(C.invalidVersion, '/source/version', `source.version "${t.source.version}" must be "latest" or a dotted numeric version such as 12.7.0`));
  }

  stepListProblems(t.customize, ['customize'], files, out);
  for (const [name, list] of Object.entries(t.repair)) stepListProblems(list, ['repair', name], files, out);

  duplicates(t.validate.checks.map((c) => c.name), (i) => ['validate', 'checks', i, 'name'], 'check', out);
  t.validate.checks.forEach((c, i) => {
    const at = (...rest: Array<string | number>) => pointerOf(['validate', 'checks', i, ...rest]);
    (c.repair ?? []).forEach((r, j) => {
      if (!(r in t.repair)) {
        const known = Object.keys(t.repair);
        out.push(problem(C.unknownRepair, at('repair', j), `check "${c.name}" names repair "${r}", which is not defined under repair (defined: ${known.length ? known.join(', ') : 'none'})`));
      }
    });
    if ('path' in c) absolutePath(c.path, at('path'), `check "${c.name}" path`, out);
    if (c.type === 'file-contains') {
      // The same rule the check applies when it runs, so a pattern that validates never hangs a build.
      const why = userRegexProblem(c.pattern, 'm');
      if (why) out.push(problem(C.invalidPattern, at('pattern'), `check "${c.name}" pattern ${why}`));
    }
    if (c.type === 'package-installed' && c.version !== undefined && !isDebianVersion(c.version)) {
      out.push(problem(C.invalidVersion, at('version'), `check "${c.name}" version "${c.version}" is not a Debian version`));
    }
  });

  const boot = t.validate.boot;
  if (boot) {
    duplicates(boot.checks.map((c) => c.name), (i) => ['validate', 'boot', 'checks', i, 'name'], 'boot check', out);
    (boot.repair ?? []).forEach((r, j) => {
      if (!(r in t.repair)) {
        const known = Object.keys(t.repair);
        out.push(problem(C.unknownRepair, pointerOf(['validate', 'boot', 'repair', j]), `validate.boot names repair "${r}", which is not defined under repair (defined: ${known.length ? known.join(', ') : 'none'})`));
      }
    });
  }
  if (boot === false && isTrustedLaunch(t.distribute.securityType)) {
    out.push(problem(C.bootRequired, '/validate/boot', `validate.boot is false, but distribute.securityType ${t.distribute.securityType} is only published after a passing Secure Boot + vTPM boot: remove "boot: false" or choose securityType Standard`));
  }

  const d = t.distribute;
  duplicates(d.targetRegions.map((r) => r.name), (i) => ['distribute', 'targetRegions', i, 'name'], 'target region', out);
  if (d.versioning.scheme === 'explicit') {
    if (!isVersionName(d.versioning.version)) {
      out.push(problem(C.invalidVersion, '/distribute/versioning/version', `distribute.versioning.version "${d.versioning.version}" must be Major.Minor.Patch, three non-negative integers such as 1.4.0`));
    }
  }
  if (d.endOfLifeDate !== undefined && !isRealDate(d.endOfLifeDate)) {
    out.push(problem(C.invalidDate, '/distribute/endOfLifeDate', `distribute.endOfLifeDate "${d.endOfLifeDate}" is not a real date`));
  }
  if (t.schedule?.cron !== undefined && !isCron(t.schedule.cron)) {
    out.push(problem(C.invalidCron, '/schedule/cron', `schedule.cron "${t.schedule.cron}" must have five fields: minute hour day-of-month month day-of-week`));
  }
  return out;
}

function stepListProblems(steps: CustomizeStep[], base: Array<string | number>, files: FileDigests, out: Problem[]): void {
  duplicates(steps.map((s) => s.name), (i) => [...base, i, 'name'], 'step', out);
  steps.forEach((s, i) => {
    const at = (...rest: Array<string | number>) => pointerOf([...base, i, ...rest]);
    const ref = stepFileRef(s);
    if (ref) {
      const actual = files.get(ref.path);
      if (actual !== null && typeof actual === 'object') {
        out.push(problem(C.fileOutside, at(ref.field), `step "${s.name}": ${actual.refused}`, { file: ref.path }));
      } else if (actual === null || actual === undefined) {
        out.push(problem(C.fileMissing, at(ref.field), `step "${s.name}" references ${ref.path}, which does not exist or is not a regular file`, { file: ref.path }));
      } else if (actual !== ref.sha256.toLowerCase()) {
        out.push(problem(C.checksumMismatch, at('sha256'), `step "${s.name}": ${ref.path} has sha256 ${actual}, but the template pins ${ref.sha256}`, { file: ref.path, expected: ref.sha256, actual }));
      }
    }
    if (s.type === 'file') absolutePath(s.destination, at('destination'), `step "${s.name}" destination`, out);
    if (s.type === 'packages') {
      s.install.forEach((entry, j) => {
        const r = parsePackageSpec(entry);
        if (!r.ok && r.reason === 'name') out.push(problem(C.invalidPackage, at('install', j), `step "${s.name}": "${entry}" is not a Debian package name (expected name=version)`));
        else if (!r.ok) out.push(problem(C.invalidVersion, at('install', j), `step "${s.name}": "${entry}" has an invalid Debian version after "="`));
        else if (r.spec.version === undefined && !s.allowUnpinned) {
          out.push(problem(C.unpinnedPackage, at('install', j), `step "${s.name}": package "${entry}" is not pinned; write "${entry}=<version>" for a deterministic build, or set allowUnpinned: true`));
        }
      });
    }
  });
}

function duplicates(names: string[], pointer: (i: number) => Array<string | number>, what: string, out: Problem[]): void {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    const prev = first.get(n);
    if (prev === undefined) first.set(n, i);
    else out.push(problem(C.duplicateName, pointerOf(pointer(i)), `duplicate ${what} name "${n}" (also used at index ${prev}); names must be unique`));
  });
}

function absolutePath(path: string, pointer: string, what: string, out: Problem[]): void {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    out.push(problem(C.relativePath, pointer, `${what} "${path}" must be an absolute path inside the image without ".." segments`));
  }
}

/** Date.parse accepts 2027-02-31 (rolling into March); a calendar date must survive the round trip. */
function isRealDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return !Number.isNaN(Date.parse(s)) && day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Five-field cron, checked by the same library that evaluates schedules (croner), in UTC. */
function isCron(expr: string): boolean {
  if (expr.trim().split(/\s+/).length !== 5) return false;
  try {
    new Cron(expr, { paused: true, timezone: 'UTC' });
    return true;
  } catch {
    return false;
  }
}

/** Security types that promise Trusted Launch (Secure Boot + vTPM). */
export function isTrustedLaunch(securityType: string | undefined): boolean {
  return securityType !== undefined && /^TrustedLaunch/.test(securityType);
}
