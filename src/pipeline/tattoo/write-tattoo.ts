import { InputError } from '../../errors/index.js';
import { MAX_OS_RELEASE_BYTES } from '../../image/os-release.js';
import { mkdirInRoot, readFileInRoot, resolveInRoot, writeFileInRoot } from '../../image/root-fs.js';
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

/**
 * The image's os-release text: /etc/os-release, else /usr/lib/os-release (os-release(5)); '' when
 * neither exists. Read through the confined reader: a link to a host file reads the image's file of
 * that name, and a FIFO or device is refused instead of blocking.
 */
export async function readOsRelease(rootDir: string): Promise<{ text: string; imagePath: string | undefined }> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const f = await readFileInRoot(rootDir, p, { maxBytes: MAX_OS_RELEASE_BYTES });
    if (f) return { text: f.text, imagePath: f.resolved.imagePath };
  }
  return { text: '', imagePath: undefined };
}

/** OS_VERSION for a tattoo, read from the image itself. */
export async function readOsVersion(rootDir: string): Promise<string> {
  return osVersionOf((await readOsRelease(rootDir)).text);
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

  // Not followed: a link left at the tattoo's path is replaced, never written through.
  const target = await writeFileInRoot(rootDir, TATTOO_PATH, text, { mode: 0o644 });

  let osPath = osr.imagePath;
  if (!osPath) {
    await mkdirInRoot(rootDir, '/etc');
    osPath = (await resolveInRoot(rootDir, '/etc/os-release')).imagePath;
  }
  await writeFileInRoot(rootDir, osPath, updated, { mode: 0o644, keepMode: true });
  return { tattooPath: target.imagePath, osReleasePath: osPath, text };
}
