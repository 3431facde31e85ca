/** Root filesystem archives and disk images: the I/O edge that runs tar, zstd, mke2fs and qemu-img. */
export { packRootfs, unpackRootfs, readArchiveOsRelease, reproducibleTarArgs, assertEpoch, ZSTD_LEVEL, type PackOptions, type UnpackOptions } from './rootfs-archive.js';
export {
  listArchive,
  printArchiveMembers,
  parseListLine,
  parseModeString,
  archiveLimits,
  allowedExpansion,
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveEntry,
  type ArchiveLimits,
  type ArchiveListing,
} from './archive-listing.js';
export { specialFiles, ownedPaths, apkOwnedFiles, resolveArchivePath, isStandardDevice, type ImportAllowances, type SpecialFile } from './special-files.js';
export {
  makeDiskImage,
  inspectDiskImage,
  derivedUuid,
  autoSizeMiB,
  DISK_FORMATS,
  type DiskFormat,
  type DiskImage,
  type DiskImageOptions,
} from './disk-image.js';
export {
  bootLayout,
  assertBootLayout,
  bootConfig,
  mergeFstab,
  installBootConfig,
  bootableTreeProblems,
  vfatUuid,
  BOOT_FILES,
  ESP_TYPE,
  ROOT_X86_64_TYPE,
  type BootLayout,
  type BootConfig,
  type BootConfigOptions,
} from './boot-config.js';
export { makeBootableDisk, partitionExtents, sfdiskScript, type BootableDisk, type BootableDiskOptions, type PartitionExtent } from './bootable-disk.js';
export { readOsRelease, parseOsRelease, osReleaseFromFields, MAX_OS_RELEASE_BYTES, type OsRelease } from './os-release.js';
export { runTool, captureTool, runPipe, type OutputListener, type ToolOptions } from './run-tool.js';
export { usedInodes, pinInodeTimes } from './inode-times.js';
export {
  resolveInRoot,
  readFileInRoot,
  readVerifiedFileSync,
  writeFileInRoot,
  mkdirInRoot,
  removeInRoot,
  describeStat,
  DEFAULT_MAX_READ_BYTES,
  type RootPath,
  type RootFile,
  type WriteOptions,
} from './root-fs.js';
