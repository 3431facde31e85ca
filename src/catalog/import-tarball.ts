import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../artifacts/index.js';
import { InputError, isGoldsmithError } from '../errors/index.js';
import {
  apkOwnedFiles,
  archiveLimits,
  bootableTreeProblems,
  printArchiveMembers,
  ownedPaths,
  packRootfs,
  readOsRelease,
  specialFiles,
  unpackRootfs,
  type ArchiveLimits,
  type ArchiveListing,
  type ImportAllowances,
  type OsRelease,
  type OutputListener,
  type SpecialFile,
} from '../image/index.js';

export interface RepackedTarball {
  /** The reproducible .tar.zst written into the work directory. */
  archive: string;
  size: number;
  os: OsRelease;
  /** Digest of the tarball as given, recorded as the entry's provenance. */
  sourceDigest: string;
  /** Device nodes, setuid/setgid and world-writable files the import accepted (by default or by an allowance). */
  specialFiles: SpecialFile[];
  /** Whether the tree holds what a UEFI Secure Boot VM needs (image/boot-config's bootableTreeProblems). */
  bootable: boolean;
}

export interface ImportOptions extends ImportAllowances {
  sourceDateEpoch: number;
  onOutput?: OutputListener;
  limits?: ArchiveLimits;
}

/** Package file lists are a few MB even for large images. */
const MAX_PACKAGE_LISTS_BYTES = 256 * 1024 * 1024;
const DPKG_LIST = /^var\/lib\/dpkg\/info\/[^/]+\.list$/;
const APK_DB = 'lib/apk/db/installed';

/** Print the named regular-file entries of the archive (never links: tar prints nothing for them). */
async function printEntries(file: string, listing: ArchiveListing, pick: (path: string) => boolean): Promise<string> {
  const names = [...new Set(listing.entries.filter((e) => e.type === '-' && pick(e.path)).map((e) => e.raw))];
  if (names.length === 0) return '';
  return printArchiveMembers(file, names, { maxBytes: MAX_PACKAGE_LISTS_BYTES });
}

/** Paths installed packages own, from dpkg's info/*.list and apk's installed database in the same archive. */
async function packageOwned(file: string, listing: ArchiveListing): Promise<Set<string>> {
  const dpkg = (await printEntries(file, listing, (p) => DPKG_LIST.test(p))).split('\n');
  const apk = apkOwnedFiles(await printEntries(file, listing, (p) => p === APK_DB));
  return ownedPaths(listing.entries, [...dpkg, ...apk]);
}

/**
 * Judge the archive's device nodes, setuid/setgid and world-writable files before anything is
 * extracted (see image/special-files for the defaults); refuses with CATALOG_UNSAFE_FILES.
 */
async function judgeSpecialFiles(copy: string, file: string, listing: ArchiveListing, allow: ImportAllowances): Promise<SpecialFile[]> {
  const setuid = listing.entries.some((e) => e.type === '-' && e.mode & 0o6000);
  const owned = setuid && !allow.allowUnownedSetuid ? await packageOwned(copy, listing) : new Set<string>();
  const found = specialFiles(listing.entries, owned, allow);
  const refused = found.filter((f) => !f.allowed);
  if (refused.length) {
    const flags = [
      refused.some((f) => f.kind === 'device') ? '--allow-devices' : '',
      refused.some((f) => f.kind === 'setuid' || f.kind === 'setgid') ? '--allow-unowned-setuid' : '',
      refused.some((f) => f.kind === 'world-writable') ? '--allow-world-writable' : '',
    ].filter(Boolean);
    const shown = refused.slice(0, 10).map((f) => `${f.path} (${f.kind}: ${f.detail})`);
    throw new InputError(
      'CATALOG_UNSAFE_FILES',
      `${file} holds ${refused.length} file(s) an import refuses by default: ${shown.join('; ')}${refused.length > 10 ? `; and ${refused.length - 10} more` : ''}. ` +
        `Nothing was extracted. If the base needs them, import it again with ${flags.join(' ')}`,
      { where: refused[0]!.path, data: { refused } },
    );
  }
  return found;
}

/**
 * Turn any rootfs tarball into a reproducible base: list it (refusing expansion past the limits and
 * files the allowances do not cover), unpack it, require an os-release (else it is not a root
 * filesystem; read confined to the tree), and repack it with fixed mtimes and sorted entries, so two
 * tarballs of the same tree import as the same artifact. The tarball is copied into the work
 * directory first and only the copy is read, so what was listed and judged is what is extracted.
 */
export async function repackTarball(file: string, work: string, opts: ImportOptions): Promise<RepackedTarball> {
  const limits = opts.limits ?? archiveLimits();
  const size = (await stat(file)).size;
  if (size > limits.maxBytes) {
    throw new InputError('IMAGE_ARCHIVE_TOO_LARGE', `${file} is ${size} bytes, more than the ${limits.maxBytes} an archive may expand to`, { where: file });
  }
  await mkdir(work, { recursive: true });
  const copy = join(work, 'source.tar');
  await copyFile(file, copy);
  const sourceDigest = await sha256File(copy);
  const rootfs = join(work, 'rootfs');
  let special: SpecialFile[] = [];
  try {
    await unpackRootfs(copy, rootfs, {
      onOutput: opts.onOutput,
      limits,
      label: file,
      check: async (listing) => {
        special = await judgeSpecialFiles(copy, file, listing, opts);
      },
    });
  } catch (e) {
    if (isGoldsmithError(e) && e.code === 'IMAGE_TOOL_FAILED') {
      throw new InputError('CATALOG_BAD_TARBALL', `${file} is not a readable tar archive (.tar, .tar.gz, .tar.xz, .tar.zst): ${e.message}`, {
        where: file,
        cause: e,
      });
    }
    throw e;
  }
  for (const f of special) opts.onOutput?.(`import: ${f.kind} ${f.path} (${f.detail})`);
  const os = await readOsRelease(rootfs);
  if (!os) {
    throw new InputError('CATALOG_NOT_A_ROOTFS', `${file} is not a root filesystem: it has no etc/os-release or usr/lib/os-release`, {
      where: file,
    });
  }
  const bootProblems = await bootableTreeProblems(rootfs);
  opts.onOutput?.(bootProblems.length ? `import: not bootable: ${bootProblems.join('; ')}` : 'import: bootable (kernel, systemd, shim, signed GRUB)');
  const archive = join(work, 'base.tar.zst');
  const packed = await packRootfs(rootfs, archive, { sourceDateEpoch: opts.sourceDateEpoch, onOutput: opts.onOutput });
  return { archive, size: packed.size, os, sourceDigest, specialFiles: special, bootable: bootProblems.length === 0 };
}
