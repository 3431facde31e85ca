import { createHash, X509Certificate } from 'node:crypto';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { FailedError, IntegrityError, InputError } from '../../errors/index.js';
import { mkdirInRoot, removeInRoot, writeFileInRoot } from '../../image/root-fs.js';
import { POLICY_RC_D } from './generalize.js';

/** The staging directory inside the rootfs where files are placed for a step (removed after). */
export const STAGE_IN_ROOT = '/tmp/.goldsmith-stage';

/** Create the staging dir, refusing a rootfs whose /tmp is not a real directory. Every step runs as
 * root in the image and may have replaced /tmp or the stage with links by the time this runs again,
 * so the stage is removed, created and written only through the confined image/root-fs calls. */
export async function stageDir(rootfs: string): Promise<string> {
  const tmp = join(rootfs, 'tmp');
  const st = await lstat(tmp).catch(() => undefined);
  if (!st) await mkdir(tmp, { mode: 0o1777 });
  else if (!st.isDirectory()) throw new FailedError('CUSTOMIZE_UNSAFE_ROOTFS', '/tmp in the image is not a directory', { where: tmp });
  await removeInRoot(rootfs, STAGE_IN_ROOT);
  return (await mkdirInRoot(rootfs, STAGE_IN_ROOT, 0o700)).hostPath;
}

export async function clearStage(rootfs: string): Promise<void> {
  await removeInRoot(rootfs, STAGE_IN_ROOT);
}

/**
 * Install /usr/sbin/policy-rc.d so packages do not start services in the image. Confined: a base
 * whose usr/sbin or policy-rc.d is a link to the host gets the file inside its own root (the link
 * is followed inside the image, or replaced), never on the host; the mode is set through the fd.
 */
export async function installPolicyRcD(rootfs: string): Promise<void> {
  await writeFileInRoot(rootfs, '/usr/sbin/policy-rc.d', POLICY_RC_D, { mode: 0o755 });
}

/** Read a template-referenced file and check its sha256 again at build time (the file may have
 * changed since the template was validated). */
export async function readVerified(baseDir: string, source: string, sha256: string, where: string): Promise<Buffer> {
  const path = isAbsolute(source) ? source : resolve(baseDir, source);
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new InputError('TEMPLATE_FILE_MISSING', `cannot read ${path}: ${e.code ?? e.message}`, { where });
  });
  const got = createHash('sha256').update(bytes).digest('hex');
  const want = sha256.replace(/^sha256:/, '').toLowerCase();
  if (got !== want) {
    throw new IntegrityError('TEMPLATE_CHECKSUM_MISMATCH', `${source}: sha256 is ${got}, the template expects ${want}`, { where });
  }
  return bytes;
}

/** Put bytes into the stage; returns the path as seen inside the chroot. */
export async function stageBytes(rootfs: string, name: string, bytes: Buffer): Promise<string> {
  await stageDir(rootfs);
  const at = `${STAGE_IN_ROOT}/${name}`;
  await writeFileInRoot(rootfs, at, bytes, { mode: 0o600 });
  return at;
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
