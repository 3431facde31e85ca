import { createHash, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntegrityError, InputError } from '../../errors/index.js';
import type { SandboxMount } from '../../sandbox/index.js';
import { openTemplateFile } from '../../template/template-files.js';
import { writeFileInRoot } from '../../image/root-fs.js';
import { POLICY_RC_D } from './generalize.js';

/** Where a step's staged files appear inside its sandbox (read-only; never part of the image). */
export const STAGE_IN_SANDBOX = '/run/goldsmith-stage';

/** Files handed to one step: a private host directory bound read-only into the sandbox. */
export interface Stage {
  mount: SandboxMount;
  /** Put bytes into the stage; returns the path as seen inside the sandbox. */
  put(name: string, bytes: Buffer): Promise<string>;
  clear(): Promise<void>;
}

export async function openStage(): Promise<Stage> {
  const parent = await mkdtemp(join(tmpdir(), 'goldsmith-stage-')); // 0700: no other local user reaches it
  const dir = join(parent, 'stage');
  // Readable by the sandbox's root, which is an unprivileged id on the host.
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  return {
    mount: { host: dir, inside: STAGE_IN_SANDBOX, readOnly: true },
    async put(name, bytes) {
      const p = join(dir, name);
      await writeFile(p, bytes, { mode: 0o644 });
      await chmod(p, 0o644);
      return `${STAGE_IN_SANDBOX}/${name}`;
    },
    clear: () => rm(parent, { recursive: true, force: true }),
  };
}

/**
 * Install /usr/sbin/policy-rc.d so packages do not start services in the image. Confined: a base
 * whose usr/sbin or policy-rc.d is a link to the host gets the file inside its own root (the link
 * is followed inside the image, or replaced), never on the host; the mode is set through the fd.
 */
export async function installPolicyRcD(rootfs: string): Promise<void> {
  await writeFileInRoot(rootfs, '/usr/sbin/policy-rc.d', POLICY_RC_D, { mode: 0o755 });
}

/** Read a template-referenced file (confined to the template's directory) and check its sha256
 * again at build time (the file may have changed since the template was validated). */
export async function readVerified(baseDir: string, source: string, sha256: string, where: string): Promise<Buffer> {
  const fh = await openTemplateFile(baseDir, source, where);
  if (!fh) throw new InputError('TEMPLATE_FILE_MISSING', `cannot read ${source}: no regular file there`, { where });
  const bytes = await fh.readFile().finally(() => fh.close());
  const got = createHash('sha256').update(bytes).digest('hex');
  const want = sha256.replace(/^sha256:/, '').toLowerCase();
  if (got !== want) {
    throw new IntegrityError('TEMPLATE_CHECKSUM_MISMATCH', `${source}: sha256 is ${got}, the template expects ${want}`, { where });
  }
  return bytes;
}

/** A CA certificate must be a PEM X.509 certificate with the CA basic constraint. */
export function assertCaCertificate(pem: Buffer, where: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw new InputError('CUSTOMIZE_BAD_CERTIFICATE', `not a PEM X.509 certificate: ${(e as Error).message}`, { where });
  }
  if (!cert.ca) throw new InputError('CUSTOMIZE_NOT_A_CA', `certificate ${cert.subject} is not a CA certificate`, { where });
  return cert;
}
