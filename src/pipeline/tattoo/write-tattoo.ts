import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FailedError, InputError } from '../../errors/index.js';
import { resolveInRoot } from '../checks/root-path.js';
import { applyOsRelease, osVersionOf, toOsReleaseImageId } from './os-release.js';
import { formatTattoo, TATTOO_PATH, type Tattoo } from './tattoo.js';
import { tattooProblems } from './tattoo-problems.js';

export interface WrittenTattoo {
  /** Image path of the tattoo file. */
  tattooPath: string;
  /** Image path of the os-release file actually rewritten (the symlink target, e.g. /usr/lib/os-release). */
  osReleasePath: string;
  text: string;
}

/** The image's os-release text: /etc/os-release, else /usr/lib/os-release (os-release(5)); '' when neither exists. */
export async function readOsRelease(rootDir: string): Promise<{ text: string; imagePath: string | undefined }> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const r = await resolveInRoot(rootDir, p);
    if (r.stat?.isFile()) return { text: await readFile(r.hostPath, 'utf8'), imagePath: r.imagePath };
  }
  return { text: '', imagePath: undefined };
}

/** OS_VERSION for a tattoo, read from the image itself. */
export async function readOsVersion(rootDir: string): Promise<string> {
  return osVersionOf((await readOsRelease(rootDir)).text);
}

/** Replace a file atomically, keeping the old file's mode and owner when it existed. */
async function replaceFile(hostPath: string, text: string, mode: number): Promise<void> {
  let owner: { uid: number; gid: number } | undefined;
  try {
    const st = await lstat(hostPath);
    if (st.isFile()) mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  } catch {
    // new file: use the default mode given
  }
  const tmp = join(dirname(hostPath), `.goldsmith-${randomBytes(6).toString('hex')}.tmp`);
  // 'wx' is O_CREAT|O_EXCL: it refuses an existing name, even a symlink the image planted there,
  // so the write can never be redirected to a host path.
  try {
    await writeFile(tmp, text, { mode, flag: 'wx' });
    await chmod(tmp, mode); // the umask must not decide the mode
    if (owner) await chown(tmp, owner.uid, owner.gid).catch(() => undefined);
    await rename(tmp, hostPath);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** Create directories inside the image one component at a time, confined like every lookup. */
async function mkdirInRoot(rootDir: string, imageDir: string): Promise<string> {
  const r = await resolveInRoot(rootDir, imageDir);
  if (r.problem) throw new FailedError('TATTOO_WRITE', `cannot create ${imageDir} in the image: ${r.problem}`, { where: imageDir });
  if (r.stat && !r.stat.isDirectory()) {
    throw new FailedError('TATTOO_WRITE', `${imageDir} exists in the image and is not a directory`, { where: imageDir });
  }
  if (!r.stat) {
    await mkdirInRoot(rootDir, dirname(r.imagePath));
    await mkdir(r.hostPath, { mode: 0o755 });
  }
  return r.hostPath;
}

/**
 * Write /etc/goldsmith/tattoo (0644) and set IMAGE_ID/IMAGE_VERSION in the image's os-release.
 * On Debian /etc/os-release is a link to ../usr/lib/os-release; the link is resolved inside the
 * image and its target rewritten there, so the link stays a link and the host's file is never touched.
 * An incomplete tattoo is refused before anything is written.
 */
export async function writeTattoo(rootDir: string, tattoo: Tattoo): Promise<WrittenTattoo> {
  const problems = tattooProblems(tattoo);
  if (problems.length) {
    throw new InputError('TATTOO_INCOMPLETE', `tattoo is incomplete: ${problems.map((p) => p.message).join('; ')}`, {
      where: TATTOO_PATH,
      data: { problems },
    });
  }
  const text = formatTattoo(tattoo);
  const osr = await readOsRelease(rootDir);
  const updated = applyOsRelease(osr.text, { imageId: toOsReleaseImageId(tattoo.imageName), imageVersion: tattoo.imageVersion });

  await mkdirInRoot(rootDir, dirname(TATTOO_PATH));
  // Not followed: a link left at the tattoo's path is replaced, never written through.
  const target = await resolveInRoot(rootDir, TATTOO_PATH, false);
  if (target.stat && !target.stat.isFile() && !target.stat.isSymbolicLink()) {
    throw new FailedError('TATTOO_WRITE', `${TATTOO_PATH} exists in the image and is not a regular file`, { where: TATTOO_PATH });
  }
  await replaceFile(target.hostPath, text, 0o644);
  await chmod(target.hostPath, 0o644);

  let osPath = osr.imagePath;
  if (!osPath) {
    await mkdirInRoot(rootDir, '/etc');
    osPath = (await resolveInRoot(rootDir, '/etc/os-release')).imagePath;
  }
  await replaceFile(join(rootDir, osPath), updated, 0o644);
  return { tattooPath: target.imagePath, osReleasePath: osPath, text };
}
