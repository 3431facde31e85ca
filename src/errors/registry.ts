/**
 * Every error code Goldsmith reports, declared once: its kind (which fixes the CLI's exit code and,
 * later, the server's HTTP status) and one sentence saying what it means and what to do. The error
 * classes only accept a code registered here with their own kind, so a code cannot be thrown with a
 * kind it was not declared with, and docs/errors.md (checked by test/errors/registry.test.ts) lists
 * exactly these. A code is never reused for another meaning; a new meaning gets a new code.
 *
 * Adding a code: one line below, in its area (areas follow the code's prefix, see ERROR_AREAS), then
 * `npx tsc -p . && node scripts/errors-doc.mjs` to rewrite the tables in docs/errors.md.
 */

/** What kind of failure a code is; the edges translate kinds, never single codes. */
export type ErrorKind =
  | 'usage'
  | 'input'
  | 'not-found'
  | 'conflict'
  | 'integrity'
  | 'locked'
  | 'permission'
  | 'needs-repair'
  | 'failed'
  | 'internal';

/** The CLI's exit code for each kind (sysexits-inspired, stable); the only place exit numbers live. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  usage: 64, // EX_USAGE: unknown option, missing argument
  input: 65, // EX_DATAERR: bad template, policy, body
  'not-found': 66, // EX_NOINPUT
  conflict: 67,
  integrity: 68, // checksum or signature mismatch
  locked: 75, // EX_TEMPFAIL: another process holds the data directory
  permission: 77, // EX_NOPERM: this user may not touch a file
  'needs-repair': 3, // a build whose validation failed; fix and resume
  failed: 1, // a build or step that ran and failed
  internal: 70, // EX_SOFTWARE: a bug
};

interface CodeSpec {
  readonly kind: ErrorKind;
  /** One sentence: what happened and what to do about it. */
  readonly summary: string;
}

export const ERROR_CODES = {
  // Command line
  USAGE_UNKNOWN_OPTION: { kind: 'usage', summary: 'The command line has an option the command does not know; see `goldsmith <command> --help`.' },
  USAGE_UNKNOWN_COMMAND: { kind: 'usage', summary: 'No such command or subcommand; see `goldsmith --help` for the list.' },
  USAGE_MISSING_COMMAND: { kind: 'usage', summary: 'A command group was given without a subcommand; its help lists them.' },
  USAGE_MISSING_ARGUMENT: { kind: 'usage', summary: 'A required argument of the command is missing; see the command\'s `--help`.' },
  USAGE_MISSING_OPTION: { kind: 'usage', summary: 'A required option was not given; see the command\'s `--help`.' },
  USAGE_MISSING_OPTION_VALUE: { kind: 'usage', summary: 'An option that takes a value was given without one.' },
  USAGE_EXCESS_ARGUMENTS: { kind: 'usage', summary: 'The command was given more arguments than it takes; quote values that contain spaces.' },
  USAGE_INVALID_ARGUMENT: { kind: 'usage', summary: 'An argument or option value has the wrong form (the message says which and why).' },
  USAGE_CONFLICTING_OPTIONS: { kind: 'usage', summary: 'Two options that exclude each other were given together; keep one.' },
  USAGE_INVALID: { kind: 'usage', summary: 'The command line cannot be parsed for another reason the message names.' },
  CLI_BAD_FORMAT: { kind: 'input', summary: '`--format` names a document format the command does not write; use one the message lists.' },
  CLI_BAD_OPTION: { kind: 'input', summary: 'An option value is not what the command needs (a number, an exact version); the message names the option.' },
  CLI_BAD_OUTPUT: { kind: 'input', summary: '`--output` lists a disk format Goldsmith does not write; use raw, qcow2 or vhd.' },
  CLI_BAD_TARGET: { kind: 'input', summary: '`verify` was given neither an artifact file with `--attestations` nor `<gallery>/<image>/<version>`.' },
  CLI_OUTPUT_EXISTS: { kind: 'conflict', summary: 'The output file exists already; remove it or choose another file.' },
  CLI_BAD_VERSION_REF: { kind: 'input', summary: 'An image version reference is not `<gallery>/<image>/<version>`.' },
  PERMISSION_DENIED: { kind: 'permission', summary: 'This user may not read or write a file Goldsmith needs (the message names it); run as the owner of the data directory.' },
  INTERNAL: { kind: 'internal', summary: 'A bug in Goldsmith: please report it with the command that caused it and the stack trace printed on stderr.' },

  // Data directory, configuration and locks
  CONFIG_BAD_QUOTA: { kind: 'input', summary: 'The scratch quota (GOLDSMITH_SCRATCH_QUOTA) is not a size such as 16G, 512M, a number of bytes, or "off".' },
  CONFIG_BAD_SCHEMA: { kind: 'input', summary: 'GOLDSMITH_DATABASE_SCHEMA is not a plain PostgreSQL schema name (letters, digits and _, at most 63).' },
  HOME_NOT_A_DIRECTORY: { kind: 'input', summary: 'The data directory (GOLDSMITH_HOME) exists but is not a directory; point GOLDSMITH_HOME elsewhere.' },
  PRIVATE_DIR_UNSAFE: { kind: 'input', summary: 'A private directory Goldsmith keeps (keys, data) is a link or belongs to another user; remove it so Goldsmith can recreate it.' },
  SCRATCH_UNSAFE: { kind: 'input', summary: 'The scratch directory is open to or owned by another user who could tamper with builds; remove it or set GOLDSMITH_SCRATCH.' },
  STORE_LOCKED: { kind: 'locked', summary: 'Another process holds the embedded store; wait for it, or share a PostgreSQL store with GOLDSMITH_DATABASE_URL.' },
  STORE_LOCK_CORRUPT: { kind: 'locked', summary: 'The data directory\'s lock file is damaged; once no goldsmith process runs, remove the lock file the message names.' },
  LOCK_BUSY: { kind: 'locked', summary: 'A shared lock kept changing hands and could not be taken in time; retry, and check no process is stuck holding it.' },
  LOCK_FILE_CORRUPT: { kind: 'locked', summary: 'A lock file is damaged; once no goldsmith process uses the directory, remove the lock file the message names.' },

  // Input documents
  INPUT_TOO_DEEP: { kind: 'input', summary: 'A document nests deeper than any real one of its kind; it is refused before anything walks it.' },
  INPUT_STRING_TOO_LONG: { kind: 'input', summary: 'A string in a document is longer than the input limit.' },
  INPUT_ARRAY_TOO_LONG: { kind: 'input', summary: 'An array in a document has more items than the input limit.' },
  INPUT_NUL_CHARACTER: { kind: 'input', summary: 'A document contains a NUL character, which cannot be stored.' },
  INPUT_FORBIDDEN_KEY: { kind: 'input', summary: 'A document uses a key such as `__proto__` that could change how it is read; rename it.' },
  INPUT_NOT_PLAIN_DATA: { kind: 'input', summary: 'A value is not plain JSON data (objects, arrays, strings, numbers, booleans, null).' },
  INPUT_TOO_LARGE: { kind: 'input', summary: 'An input file is larger than any real document of its kind; the message gives the limit.' },

  // Templates
  TEMPLATE_NOT_FOUND: { kind: 'not-found', summary: 'The template file does not exist.' },
  TEMPLATE_UNREADABLE: { kind: 'input', summary: 'The template file cannot be read (a directory, or permission denied).' },
  TEMPLATE_PARSE: { kind: 'input', summary: 'The template is not valid YAML or JSON; the message gives the line and column.' },
  TEMPLATE_INVALID: { kind: 'input', summary: 'The template does not match the template schema (a missing, unknown or mistyped field).' },
  TEMPLATE_UNPINNED_PACKAGE: { kind: 'input', summary: 'A package to install has no version; write name=version, or set allowUnpinned: true.' },
  TEMPLATE_INVALID_PACKAGE: { kind: 'input', summary: 'A package entry is not a Debian package name.' },
  TEMPLATE_FILE_MISSING: { kind: 'input', summary: 'A file a step references does not exist or is not a regular file.' },
  TEMPLATE_FILE_OUTSIDE: { kind: 'input', summary: 'A file a step references leads outside the template\'s directory (by path or symlink); keep step files beside the template.' },
  TEMPLATE_CHECKSUM_MISMATCH: { kind: 'integrity', summary: 'A file\'s sha256 differs from the digest the template pins (with several, all are listed); check the file, then update the pin.' },
  TEMPLATE_UNKNOWN_REPAIR: { kind: 'input', summary: 'A check names a repair that is not defined under `repair`.' },
  TEMPLATE_DUPLICATE_NAME: { kind: 'input', summary: 'Two steps, checks or repairs share a name; names must be unique.' },
  TEMPLATE_INVALID_VERSION: { kind: 'input', summary: 'A version in the template (source, check, distribution, package pin) has the wrong form.' },
  TEMPLATE_RELATIVE_PATH: { kind: 'input', summary: 'A path inside the image is relative or has `..` segments; use an absolute path.' },
  TEMPLATE_INVALID_PATTERN: { kind: 'input', summary: 'A check\'s pattern is not a usable regular expression (invalid, or too slow).' },
  TEMPLATE_INVALID_CRON: { kind: 'input', summary: 'The template\'s schedule.cron is not a five-field cron expression.' },
  TEMPLATE_INVALID_DATE: { kind: 'input', summary: 'A date in the template (such as distribute.endOfLifeDate) is not a real date.' },
  TEMPLATE_AIB_UNSUPPORTED: { kind: 'input', summary: 'An Azure Image Builder template uses a feature Goldsmith does not translate.' },
  TEMPLATE_AIB_INVALID: { kind: 'input', summary: 'An Azure Image Builder template is malformed.' },
  TEMPLATE_LIMIT: { kind: 'input', summary: 'The template breaks an input limit (nesting, string length, NUL, a __proto__ key); data.limit says which.' },
  TEMPLATE_TOO_LARGE: { kind: 'input', summary: 'The template is larger than any real template.' },
  TEMPLATE_PROBLEMS: { kind: 'input', summary: 'The template has several problems; each is listed in the message and in data.problems.' },
  TEMPLATE_BOOT_REQUIRED: { kind: 'input', summary: 'A Trusted Launch image needs its boot check: remove `validate.boot: false` or choose securityType Standard.' },
  TEMPLATE_BASE_NOT_BOOTABLE: { kind: 'input', summary: 'The template claims a bootable image (Gen2, Trusted Launch) on a base that cannot boot; build on a bootable catalog entry or publish as V1.' },
  TEMPLATE_SOURCE_VERSION_UNUSABLE: { kind: 'input', summary: 'The "source" versioning scheme needs a base version of up to three numbers; pick another scheme or base.' },

  // Builds and pipeline
  BUILD_RUN_NOT_FOUND: { kind: 'not-found', summary: 'No build run has this id; `goldsmith build list` shows them.' },
  BUILD_ALREADY_SUCCEEDED: { kind: 'conflict', summary: 'The run already succeeded and cannot be resumed; start a new build.' },
  BUILD_RESUME_TEMPLATE_CHANGED: { kind: 'conflict', summary: 'The template changed in a way a resumed run cannot absorb; start a new build.' },
  BUILD_RUN_BUSY: { kind: 'locked', summary: 'Another process is executing this run; wait for it or stop it first.' },
  BUILD_RUN_LOCK_CORRUPT: { kind: 'locked', summary: 'A run\'s lock file is damaged; once no process runs it, remove the lock file the message names.' },
  BUILD_RUN_SUPERSEDED: { kind: 'conflict', summary: 'Another executor took the run over (its worker\'s lease expired, or it was resumed); this one stops without committing anything.' },
  BUILD_CHECKS_FAILED: { kind: 'needs-repair', summary: 'Validation checks failed: the run waits for repair; fix the template and run `goldsmith build resume`.' },
  BUILD_STEP_CRASHED: { kind: 'failed', summary: 'A build step failed with an unexpected error (recorded in the run); see `goldsmith build logs`.' },
  CUSTOMIZE_BAD_CERTIFICATE: { kind: 'input', summary: 'A certificate to install is not a PEM X.509 certificate.' },
  CUSTOMIZE_NOT_A_CA: { kind: 'input', summary: 'A certificate to install as a trusted CA is not a CA certificate.' },
  CUSTOMIZE_STEP_FAILED: { kind: 'failed', summary: 'A customize step exited non-zero, timed out, printed too much or ran out of memory; its output tail is in the error.' },
  CUSTOMIZE_GENERALIZE_FAILED: { kind: 'failed', summary: 'Generalizing the image (removing machine identity) failed; its output tail is in the error.' },
  TATTOO_BAD_KEY: { kind: 'input', summary: 'A tattoo key is not letters, digits and underscores.' },
  TATTOO_BAD_VALUE: { kind: 'input', summary: 'A tattoo value contains a newline, carriage return or NUL byte.' },
  TATTOO_BAD_IMAGE_ID: { kind: 'input', summary: 'IMAGE_ID for os-release may only contain 0-9, a-z, ".", "_" and "-".' },
  TATTOO_BAD_IMAGE_VERSION: { kind: 'input', summary: 'IMAGE_VERSION for os-release may only contain 0-9, a-z, A-Z, ".", "_" and "-".' },
  TATTOO_INCOMPLETE: { kind: 'input', summary: 'The image tattoo lacks required fields or has malformed ones; the message lists them.' },
  TATTOO_PARSE: { kind: 'input', summary: 'A tattoo file is not valid KEY=VALUE text.' },
  PUBLISH_UNATTESTED: { kind: 'integrity', summary: 'Publishing refused: the run has no SBOM or attestation bundle.' },
  PUBLISH_UNVERIFIED: { kind: 'integrity', summary: 'Publishing refused: the attestations do not verify against the artifacts and the version being written.' },
  PUBLISH_NOT_BOOTABLE: { kind: 'input', summary: 'Publishing refused: distribute claims Gen2 or Trusted Launch but the image cannot boot; build on a bootable base or publish as V1.' },
  PUBLISH_REPLICATION_FAILED: { kind: 'failed', summary: 'Replicating the new version\'s artifacts to a target region failed; resume the build to retry.' },
  SCHEDULE_NOT_FOUND: { kind: 'not-found', summary: 'No schedule is registered for this template file.' },
  SCHEDULE_NO_CRON: { kind: 'input', summary: 'The template has no schedule.cron to register.' },
  SCHEDULE_ALREADY_FIRED: { kind: 'conflict', summary: 'Another process queued this schedule occurrence first; it builds once, nothing to do.' },
  DEMO_PACKAGE_UNAVAILABLE: { kind: 'failed', summary: 'A package the demo pins is not offered by the base image\'s apt sources; check the mirror.' },

  // Jobs and workers
  JOB_NOT_FOUND: { kind: 'not-found', summary: 'No job has this id; `goldsmith job list` shows them.' },
  JOB_DUPLICATE: { kind: 'conflict', summary: 'A job with this key exists already (one per key, ever, such as one per schedule occurrence).' },
  JOB_FINISHED: { kind: 'conflict', summary: 'The job has already finished (succeeded, failed or cancelled) and cannot be cancelled.' },
  JOB_LEASE_EXHAUSTED: { kind: 'failed', summary: 'The workers running this job stopped renewing its lease on every allowed attempt (they died); see the workers\' logs.' },
  JOB_HANDLER_CRASHED: { kind: 'failed', summary: 'A job failed with an unexpected error on its last allowed attempt; the job\'s error has the message.' },

  // Images and sandbox
  IMAGE_ARCHIVE_NOT_FOUND: { kind: 'input', summary: 'The rootfs archive to unpack does not exist.' },
  IMAGE_ARCHIVE_TOO_LARGE: { kind: 'input', summary: 'An archive expands to more than the limits allow; raise GOLDSMITH_ARCHIVE_MAX_BYTES or _MAX_RATIO if it is genuine.' },
  IMAGE_ARCHIVE_UNREADABLE: { kind: 'input', summary: 'The archive\'s listing from tar cannot be parsed; the archive is not usable.' },
  IMAGE_BAD_ARCHIVE_LIMIT: { kind: 'input', summary: 'An archive limit setting (GOLDSMITH_ARCHIVE_MAX_*) is not a positive number.' },
  IMAGE_BAD_BOOT_CONFIG: { kind: 'input', summary: 'The boot configuration (kernel arguments, menu timeout) has a value a bootable disk may not have.' },
  IMAGE_BAD_LAYOUT: { kind: 'input', summary: 'A disk layout is not what bootLayout() derives from its seed (or the seed is empty or too long).' },
  IMAGE_BAD_EPOCH: { kind: 'input', summary: 'The sourceDateEpoch is not a non-negative integer of seconds.' },
  IMAGE_BAD_FORMAT: { kind: 'input', summary: 'The disk image format is not one Goldsmith writes.' },
  IMAGE_BAD_LABEL: { kind: 'input', summary: 'The ext4 filesystem label is longer than 16 bytes.' },
  IMAGE_BAD_SIZE: { kind: 'input', summary: 'The disk size is not an integer of at least 8 MiB.' },
  IMAGE_DEVICE_NODE: { kind: 'input', summary: 'An archive holds a device node that cannot be made or that clashes with a directory.' },
  IMAGE_FILE_TOO_LARGE: { kind: 'input', summary: 'A file in the image is larger than Goldsmith reads for this purpose.' },
  IMAGE_NOT_A_DIRECTORY: { kind: 'input', summary: 'The rootfs directory to pack does not exist or is not a directory.' },
  IMAGE_NOT_BOOTABLE: { kind: 'input', summary: 'The tree lacks what a bootable disk needs (kernel, initrd, signed shim and grub, systemd as init, the layout\'s boot configuration); the problems are listed.' },
  IMAGE_UNSAFE_FILE: { kind: 'input', summary: 'A path in the image is not a regular file (a link, device or directory) or changed while opened; Goldsmith does not follow it.' },
  IMAGE_UNSAFE_PATH: { kind: 'input', summary: 'A path to create in the image would leave the image root or is not a file name.' },
  IMAGE_TOOL_FAILED: { kind: 'failed', summary: 'A host tool (tar, mkfs, qemu-img…) exited non-zero; its output tail is in the error.' },
  IMAGE_TOOL_MISSING: { kind: 'failed', summary: 'A host tool is not installed; run scripts/setup.sh.' },
  IMAGE_TOOL_OUTPUT_TOO_LARGE: { kind: 'failed', summary: 'A host tool printed more than Goldsmith reads; the input it was given is suspect.' },
  SANDBOX_NETWORK: { kind: 'failed', summary: 'The sandbox\'s mirror forwarder could not start or stopped.' },
  SANDBOX_NO_ID_RANGE: { kind: 'failed', summary: 'This user has no subordinate id range for sandboxes; scripts/setup.sh adds one to /etc/subuid and /etc/subgid.' },
  SANDBOX_NOT_A_DIRECTORY: { kind: 'failed', summary: 'A directory to hand to the sandbox\'s root is not a directory.' },
  SANDBOX_TOOL_MISSING: { kind: 'failed', summary: 'The sandbox tools (bubblewrap, uidmap) are missing; run scripts/setup.sh.' },
  SANDBOX_UNREACHABLE: { kind: 'failed', summary: 'A directory on the way to the working tree is private to another user, so the sandbox cannot reach it; make it o+x or install acl.' },
  EXEC_BAD_ENV: { kind: 'failed', summary: 'An environment variable for a command in the image has an invalid name or a NUL character.' },
  EXEC_NOT_A_ROOTFS: { kind: 'failed', summary: 'The tree to run a command in has no /bin/sh, so it is not a root filesystem.' },

  // Catalog
  CATALOG_NOT_FOUND: { kind: 'not-found', summary: 'No catalog entry matches the publisher:offer:sku:version; the message lists what exists.' },
  CATALOG_DUPLICATE: { kind: 'conflict', summary: 'The catalog entry exists already; versions are immutable, so add a new version.' },
  CATALOG_BAD_NAME: { kind: 'input', summary: 'A publisher, offer or sku name has characters a catalog name may not have.' },
  CATALOG_BAD_REF: { kind: 'input', summary: 'A catalog reference is not publisher:offer:sku:version.' },
  CATALOG_BAD_VERSION: { kind: 'input', summary: 'A catalog version does not start with a digit or uses characters outside letters, digits and . + ~ : -.' },
  CATALOG_BAD_RECIPE: { kind: 'input', summary: 'A base image recipe is malformed; the message names the field.' },
  CATALOG_BAD_TARBALL: { kind: 'input', summary: 'The file to import is not a readable tar archive.' },
  CATALOG_IMPORT_NOT_FOUND: { kind: 'input', summary: 'The tarball to import does not exist.' },
  CATALOG_ADOPT_NOT_FOUND: { kind: 'input', summary: 'The base archive to adopt does not exist.' },
  CATALOG_NOT_A_ROOTFS: { kind: 'input', summary: 'The archive has no os-release, so it is not a root filesystem.' },
  CATALOG_UNSAFE_FILES: { kind: 'input', summary: 'The archive holds device nodes, setuid/setgid or world-writable files; the message names the --allow-… option that accepts them.' },
  CATALOG_ARTIFACT_MISSING: { kind: 'not-found', summary: 'An imported base is missing from the artifact store; import it again.' },
  CATALOG_BUILD_NOT_BOOTABLE: { kind: 'failed', summary: 'A bootable recipe built a base that cannot boot (a boot file is missing); see the mmdebstrap output.' },
  CATALOG_BUILD_NO_OS: { kind: 'failed', summary: 'The base build (mmdebstrap) finished but the tree it made has no os-release.' },

  // Artifacts
  ARTIFACT_BAD_DIGEST: { kind: 'input', summary: 'An artifact digest is not sha256:<64 hex>.' },
  ARTIFACT_NOT_FOUND: { kind: 'not-found', summary: 'The artifact is not in the named region\'s store.' },
  ARTIFACT_CORRUPT: { kind: 'integrity', summary: 'A stored artifact no longer matches its digest; it was modified or damaged.' },
  ARTIFACT_TOO_LARGE: { kind: 'input', summary: 'An artifact read into memory (an SBOM, an inventory) is larger than the reader accepts.' },

  // Gallery
  GALLERY_NOT_FOUND: { kind: 'not-found', summary: 'No gallery has this name or id.' },
  GALLERY_IMAGE_NOT_FOUND: { kind: 'not-found', summary: 'No image definition has this name in the gallery.' },
  GALLERY_VERSION_NOT_FOUND: { kind: 'not-found', summary: 'The image definition has no such version.' },
  GALLERY_NO_LATEST: { kind: 'not-found', summary: 'No version of the image is eligible for latest (all excluded, deleted, past end of life or not in the region).' },
  GALLERY_AMBIGUOUS: { kind: 'input', summary: 'The gallery name exists in several resource groups; give its full id.' },
  GALLERY_EXISTS: { kind: 'conflict', summary: 'A gallery with this name already exists in the resource group.' },
  GALLERY_NOT_EMPTY: { kind: 'conflict', summary: 'The gallery still has image definitions; delete them first.' },
  GALLERY_IMAGE_EXISTS: { kind: 'conflict', summary: 'An image definition with this name already exists in the gallery.' },
  GALLERY_IMAGE_CONFLICT: { kind: 'conflict', summary: 'An image definition with this name exists with different properties; the message lists them.' },
  GALLERY_IMAGE_HAS_VERSIONS: { kind: 'conflict', summary: 'The image definition still has versions, soft-deleted ones included; delete and purge them first.' },
  GALLERY_IDENTIFIER_TAKEN: { kind: 'conflict', summary: 'Another image definition in the gallery uses this publisher/offer/sku identifier.' },
  GALLERY_VERSION_EXISTS: { kind: 'conflict', summary: 'This version of the image definition already exists; versions are immutable.' },
  GALLERY_VERSION_DELETED: { kind: 'conflict', summary: 'The version is soft-deleted; recover it first.' },
  GALLERY_VERSION_NOT_DELETED: { kind: 'conflict', summary: 'The version is not soft-deleted, so it cannot be recovered or purged.' },
  GALLERY_RECOVERY_EXPIRED: { kind: 'conflict', summary: 'The soft-deleted version is past its retention and can only be purged.' },
  GALLERY_DELETION_BLOCKED: { kind: 'conflict', summary: 'The version\'s safety profile blocks deletion before its end of life.' },
  GALLERY_REGION_REMOVAL_BLOCKED: { kind: 'conflict', summary: 'The version\'s safety profile does not allow removing replicated regions.' },
  GALLERY_SOURCE_REGION: { kind: 'conflict', summary: 'The region holds the version\'s source artifacts and cannot be removed.' },
  GALLERY_NOT_REPLICATED: { kind: 'conflict', summary: 'An artifact is not in a target region yet; replicate before publishing.' },
  GALLERY_REPLICATION_FAILED: { kind: 'conflict', summary: 'Replication to a target region failed, so the version cannot be published there.' },
  GALLERY_TRUSTED_LAUNCH_UNPROVEN: { kind: 'conflict', summary: 'A Trusted Launch image definition takes only versions whose recorded boot proves Secure Boot and a vTPM.' },
  GALLERY_ARTIFACT_NOT_FOUND: { kind: 'not-found', summary: 'The image version has no artifact of the asked kind; the message lists the kinds it has.' },
  GALLERY_ARTIFACT_MISSING: { kind: 'not-found', summary: 'The image version\'s artifact is in no region\'s artifact store (or not in the asked region).' },
  GALLERY_ARTIFACT_UNVERIFIED: { kind: 'integrity', summary: 'The artifact has no attestation bundle or does not verify against it; it is not handed out.' },
  GALLERY_BAD_ARTIFACT: { kind: 'input', summary: 'A version\'s artifact has an unknown kind or an invalid size.' },
  GALLERY_BAD_DATE: { kind: 'input', summary: 'A date is not ISO 8601 (e.g. 2027-12-31).' },
  GALLERY_BAD_ID: { kind: 'input', summary: 'The id is not a gallery image version id.' },
  GALLERY_BAD_IMAGE: { kind: 'input', summary: 'An image definition property (OS type, state, generation, identifier…) has a value Azure does not allow.' },
  GALLERY_BAD_MAJOR: { kind: 'input', summary: 'The major version to continue from is not a non-negative integer (or -1).' },
  GALLERY_BAD_NAME: { kind: 'input', summary: 'A gallery or image definition name has characters or a length Azure does not allow.' },
  GALLERY_BAD_REGION: { kind: 'input', summary: 'A region name is not letters, digits and hyphens.' },
  GALLERY_BAD_REPLICA_COUNT: { kind: 'input', summary: 'A replica count is not an integer from 1 to 100.' },
  GALLERY_BAD_RETENTION: { kind: 'input', summary: 'The soft-delete retention (softDeleteRetentionDays) is not an integer from 1 to 365.' },
  GALLERY_BAD_STORAGE_TYPE: { kind: 'input', summary: 'The storage account type is not one Azure offers.' },
  GALLERY_BAD_TATTOO: { kind: 'input', summary: 'A tattoo key is not letters, digits and underscores, or its value is not one line.' },
  GALLERY_BAD_VERSION: { kind: 'input', summary: 'A version number is not Major.Minor.Patch of 32-bit integers without leading zeros.' },
  GALLERY_DUPLICATE_REGION: { kind: 'input', summary: 'A region is listed twice, or the version already targets it.' },
  GALLERY_NO_ARTIFACTS: { kind: 'input', summary: 'A version needs at least one artifact.' },
  GALLERY_NO_REGIONS: { kind: 'input', summary: 'A version must keep at least one target region.' },
  GALLERY_REGION_NOT_TARGETED: { kind: 'input', summary: 'The version does not target this region.' },

  // Attestation and keys
  ATTEST_ARTIFACT_NOT_FOUND: { kind: 'not-found', summary: 'The artifact file to verify does not exist.' },
  ATTEST_BUNDLE_NOT_FOUND: { kind: 'not-found', summary: 'The attestation bundle file does not exist.' },
  ATTEST_BUNDLE_UNREADABLE: { kind: 'input', summary: 'The attestation bundle file cannot be read (a directory, or permission denied).' },
  ATTEST_BUNDLE_INVALID: { kind: 'input', summary: 'The attestation bundle is not valid JSON or not a well-formed DSSE bundle.' },
  ATTEST_DIGEST_INVALID: { kind: 'input', summary: 'A subject digest is not sha256:<64 hex>.' },
  ATTEST_PREDICATE_INVALID: { kind: 'input', summary: 'A predicate to sign is malformed or its type is not a URI; nothing is signed.' },
  ATTEST_SUBJECT_INVALID: { kind: 'input', summary: 'An attestation has no subject or a subject without a name.' },
  ATTEST_VERIFY_FAILED: { kind: 'integrity', summary: 'Verification failed: a signature, digest or statement field does not match; the problems are listed.' },
  ATTEST_KEY_INVALID: { kind: 'input', summary: 'The key is not a PEM public key (or is a private key, which is never trusted or shared).' },
  ATTEST_KEY_NOT_FOUND: { kind: 'not-found', summary: 'No signing key in the keyring has this id.' },
  ATTEST_KEY_FILE_NOT_FOUND: { kind: 'not-found', summary: 'The key file to trust cannot be read.' },
  ATTEST_KEY_NOT_TRUSTED: { kind: 'not-found', summary: 'No trusted key has this id.' },
  ATTEST_KEY_ACTIVE: { kind: 'conflict', summary: 'The key is the active signing key; rotate first with `goldsmith keys rotate`.' },
  ATTEST_KEYID_INVALID: { kind: 'input', summary: 'A key id is not 8 to 64 lowercase hex characters.' },
  ATTEST_KEYID_AMBIGUOUS: { kind: 'input', summary: 'The key id prefix matches several trusted keys; give more characters.' },
  ATTEST_KEYRING_BROKEN: { kind: 'integrity', summary: 'The keyring\'s active.json is missing or does not name a key.' },
  ATTEST_KEY_PERMISSIONS: { kind: 'integrity', summary: 'A private key or passphrase file is readable by others; chmod 600 it.' },
  ATTEST_KEY_PASSPHRASE_REQUIRED: { kind: 'input', summary: 'The private key needs a passphrase; set GOLDSMITH_KEY_PASSPHRASE or GOLDSMITH_KEY_PASSPHRASE_FILE.' },
  ATTEST_KEY_PASSPHRASE_WRONG: { kind: 'input', summary: 'The private key cannot be decrypted: wrong passphrase or a damaged key file.' },
  ATTEST_KEY_PASSPHRASE_EMPTY: { kind: 'input', summary: 'The key passphrase file is empty.' },
  ATTEST_KEY_PASSPHRASE_FILE_NOT_FOUND: { kind: 'not-found', summary: 'The key passphrase file named by GOLDSMITH_KEY_PASSPHRASE_FILE does not exist.' },
  ATTEST_TRUST_INVALID: { kind: 'input', summary: 'The trust list is not valid JSON or has no well-formed "keys" array.' },
  ATTEST_TRUST_PINNED: { kind: 'conflict', summary: 'Trust is pinned by GOLDSMITH_TRUST_FILE or GOLDSMITH_TRUSTED_KEYS; change the pinned source instead of the data directory\'s list.' },
  ATTEST_TRUST_FILE_NOT_FOUND: { kind: 'not-found', summary: 'The trust file named by GOLDSMITH_TRUST_FILE does not exist.' },
  ATTEST_TRUST_FILE_INSIDE_HOME: { kind: 'input', summary: 'The trust file is inside the data directory it protects; keep it elsewhere.' },
  ATTEST_TRUST_FILE_PERMISSIONS: { kind: 'integrity', summary: 'The trust file is writable by group or others; run chmod go-w on it.' },

  // SBOM
  SBOM_NOT_FOUND: { kind: 'not-found', summary: 'The image version has no SBOM artifact of this format.' },
  SBOM_BLOB_MISSING: { kind: 'not-found', summary: 'The SBOM document is in no region\'s artifact store.' },
  SBOM_UNVERIFIED: { kind: 'integrity', summary: 'The SBOM has no attestation bundle or does not verify against it; it is not shown.' },
  SBOM_INVALID: { kind: 'input', summary: 'The document is not a valid SPDX SBOM; the message gives the JSON path.' },
  SBOM_OPTIONS_INVALID: { kind: 'input', summary: 'An SBOM needs a name.' },
  SBOM_DIGEST_INVALID: { kind: 'input', summary: 'The image digest for an SBOM is not sha256:<64 lowercase hex>.' },
  SBOM_CREATED_INVALID: { kind: 'input', summary: 'The SBOM creation time is not a date.' },
  SBOM_PURL_INVALID: { kind: 'input', summary: 'A package URL (purl) is malformed.' },
  SBOM_ROOTFS_INVALID: { kind: 'input', summary: 'The root filesystem to inventory is not a directory.' },
  SBOM_RPMDB_INVALID: { kind: 'input', summary: 'An RPM database header in the image is malformed.' },
  SBOM_SQLITE_INVALID: { kind: 'input', summary: 'A SQLite package database in the image cannot be read.' },

  // Vulnerabilities
  VULN_INPUT_NOT_FOUND: { kind: 'not-found', summary: 'The advisory file or directory to import does not exist.' },
  VULN_ADVISORY_NOT_FOUND: { kind: 'not-found', summary: 'No imported advisory has this id or alias; import it with `goldsmith cve import`.' },
  VULN_JSON_INVALID: { kind: 'input', summary: 'An advisory file is not valid JSON.' },
  VULN_NOT_A_ZIP: { kind: 'input', summary: 'A file named .zip is not a zip archive.' },
  VULN_ZIP_INVALID: { kind: 'input', summary: 'A zip archive of advisories is malformed or uses a feature the reader refuses.' },
  VULN_OSV_INVALID: { kind: 'input', summary: 'An OSV record does not match the OSV schema; the message gives the record and JSON path.' },
  VULN_OSV_SCHEMA_MISSING: { kind: 'input', summary: 'GOLDSMITH_OSV_SCHEMA names a schema file that does not exist.' },
  VULN_TRACKER_INVALID: { kind: 'input', summary: 'A Debian security tracker document is malformed; the message gives the JSON path.' },
  VULN_UNKNOWN_ECOSYSTEM: { kind: 'input', summary: 'An advisory names an ecosystem or Debian release Goldsmith cannot match.' },
  VULN_VERSION_INVALID: { kind: 'input', summary: 'An advisory gives a version that is not a Debian version.' },
  VULN_MIRROR_UNREACHABLE: { kind: 'failed', summary: 'The image\'s apt could not read its mirror while checking for fixes; check the mirror and network.' },

  // Policy engine
  POLICY_FILE_NOT_FOUND: { kind: 'not-found', summary: 'A policy, resource or parameters file does not exist.' },
  POLICY_FILE_UNREADABLE: { kind: 'input', summary: 'A policy, resource or parameters file cannot be read.' },
  POLICY_JSON_INVALID: { kind: 'input', summary: 'A policy, resource or parameters file is not valid JSON.' },
  POLICY_INVALID: { kind: 'input', summary: 'A policy definition is malformed (Azure Policy grammar); the message gives the JSON path.' },
  POLICY_UNKNOWN_ALIAS: { kind: 'input', summary: 'A policy names an alias or field Goldsmith does not know.' },
  POLICY_PARAMETER_INVALID: { kind: 'input', summary: 'Policy parameters are malformed, missing or of the wrong type.' },
  POLICY_RESOURCE_INVALID: { kind: 'input', summary: 'A resource to evaluate is not an ARM document object.' },
  POLICY_INPUT_INVALID: { kind: 'input', summary: 'An evaluation option (such as --now) has the wrong form.' },

  // Compliance
  COMPLIANCE_FILE_NOT_FOUND: { kind: 'not-found', summary: 'A definition, assignment or parameters file does not exist.' },
  COMPLIANCE_FILE_UNREADABLE: { kind: 'input', summary: 'A definition, assignment or parameters file cannot be read.' },
  COMPLIANCE_JSON_INVALID: { kind: 'input', summary: 'A definition, assignment or parameters file is not valid JSON.' },
  COMPLIANCE_INPUT_INVALID: { kind: 'input', summary: 'An assignment or exemption is malformed (shape, selectors, options that exclude each other).' },
  COMPLIANCE_NAME_REQUIRED: { kind: 'input', summary: 'A definition needs a name: give --name or a "name" in the file.' },
  COMPLIANCE_NAME_INVALID: { kind: 'input', summary: 'A name is not 1-128 letters, digits and . _ - ( ).' },
  COMPLIANCE_SCOPE_INVALID: { kind: 'input', summary: 'A scope is not an Azure scope id, or not one allowed where it is used (a notScope outside its assignment, a definition below a subscription).' },
  COMPLIANCE_OVERRIDE_INVALID: { kind: 'input', summary: 'An override value is not a policy effect.' },
  COMPLIANCE_SET_INVALID: { kind: 'input', summary: 'A policy set definition (initiative) is malformed.' },
  COMPLIANCE_RESOURCE_INVALID: { kind: 'input', summary: 'A resource to admit is not an ARM document with an id and type.' },
  COMPLIANCE_AMBIGUOUS: { kind: 'input', summary: 'Several assignments or exemptions have this name; give the full id.' },
  COMPLIANCE_DEFINITION_NOT_FOUND: { kind: 'not-found', summary: 'No policy definition has this id.' },
  COMPLIANCE_SET_NOT_FOUND: { kind: 'not-found', summary: 'No policy set definition has this id.' },
  COMPLIANCE_ASSIGNMENT_NOT_FOUND: { kind: 'not-found', summary: 'No policy assignment has this id or name.' },
  COMPLIANCE_EXEMPTION_NOT_FOUND: { kind: 'not-found', summary: 'No policy exemption has this id or name.' },
  COMPLIANCE_REFERENCE_NOT_FOUND: { kind: 'not-found', summary: 'The initiative has no policy definition with this reference id.' },
  COMPLIANCE_SCOPE_NOT_FOUND: { kind: 'not-found', summary: 'The scope does not exist in the resource inventory; create it first.' },
  COMPLIANCE_DEFINITION_EXISTS: { kind: 'conflict', summary: 'A policy definition with this id already exists.' },
  COMPLIANCE_SET_EXISTS: { kind: 'conflict', summary: 'A policy set definition with this id already exists.' },
  COMPLIANCE_ASSIGNMENT_EXISTS: { kind: 'conflict', summary: 'A policy assignment with this id already exists.' },
  COMPLIANCE_EXEMPTION_EXISTS: { kind: 'conflict', summary: 'A policy exemption with this id already exists.' },
  COMPLIANCE_DEFINITION_IN_USE: { kind: 'conflict', summary: 'The definition is assigned or referenced by an initiative; remove those first.' },
  COMPLIANCE_BUILTIN_READONLY: { kind: 'conflict', summary: 'Built-in definitions cannot be deleted or changed.' },

  // Fleet
  FLEET_VM_NOT_FOUND: { kind: 'not-found', summary: 'No VM has this name or id (in the resource group, when given).' },
  FLEET_RESOURCE_NOT_FOUND: { kind: 'not-found', summary: 'No resource has this id.' },
  FLEET_SCOPE_NOT_FOUND: { kind: 'not-found', summary: 'The subscription or resource group does not exist; create it first.' },
  FLEET_PARENT_NOT_FOUND: { kind: 'not-found', summary: 'The parent resource of a nested resource (such as the VM of an extension) does not exist.' },
  FLEET_NO_LATEST: { kind: 'not-found', summary: 'No version of the image is eligible for latest (in the region, when given).' },
  FLEET_AMBIGUOUS: { kind: 'input', summary: 'The VM name exists in several resource groups; give --resource-group or the full id.' },
  FLEET_BAD_DOCUMENT: { kind: 'input', summary: 'A resource document file cannot be read or is not JSON.' },
  FLEET_BAD_IMAGE: { kind: 'input', summary: 'An image reference is not gallery/image[/version], a gallery id, or publisher:offer:sku:version.' },
  FLEET_BAD_IMPORT: { kind: 'input', summary: 'The file to import cannot be read or is not a JSON array of ARM VM documents.' },
  FLEET_BAD_LOCATION: { kind: 'input', summary: 'A location is not a region name such as westeurope.' },
  FLEET_BAD_NAME: { kind: 'input', summary: 'A VM or management group name has characters or a length Azure does not allow.' },
  FLEET_BAD_SCOPE: { kind: 'input', summary: 'A subscription id is not a GUID, or a resource group name is not valid.' },
  FLEET_BAD_SECURITY_TYPE: { kind: 'input', summary: 'The security type is not TrustedLaunch, ConfidentialVM or Standard.' },
  FLEET_BAD_TAG: { kind: 'input', summary: 'A tag with a fixed meaning (role) has a value it may not have.' },
  FLEET_EXISTS: { kind: 'conflict', summary: 'A VM or management group with this name already exists; use update.' },
  FLEET_DENIED_BY_POLICY: { kind: 'conflict', summary: 'Policy admission denied the write; nothing changed, and each denying assignment is named.' },
  FLEET_IMAGE_DELETED: { kind: 'conflict', summary: 'The image version is soft-deleted and cannot be used for a VM.' },
  FLEET_IMAGE_NOT_IN_REGION: { kind: 'conflict', summary: 'The image version is not replicated to the VM\'s region.' },
  FLEET_NOT_FLEET_RESOURCE: { kind: 'conflict', summary: 'The resource is not managed by the fleet commands (a gallery or a scope); use the command the message names.' },
  FLEET_ADMISSION_BROKE_DOCUMENT: { kind: 'internal', summary: 'Policy admission produced an invalid document (a bug); report it with the resource.' },

  // Boot tests in a virtual machine
  VM_BAD_OPTIONS: { kind: 'input', summary: 'A boot test option (disk, format, memory, timeout, guest checks) is missing or out of range; the message names it.' },
  VM_BAD_ACCEL: { kind: 'input', summary: 'GOLDSMITH_ACCEL is neither kvm nor tcg.' },
  VM_BAD_GUEST_CHECK: { kind: 'input', summary: 'A guest check cannot be expressed safely in the guest (a bad service, path or type).' },
  VM_BAD_NONCE: { kind: 'input', summary: 'The boot test\'s nonce is not hex.' },
  VM_DISK_NOT_FOUND: { kind: 'input', summary: 'The disk to boot is not a regular file.' },
  VM_DISK_BAD_QCOW2: { kind: 'input', summary: 'The qcow2 disk has no valid virtual size.' },
  VM_DISK_EXTERNAL_FILES: { kind: 'input', summary: 'The qcow2 disk names a backing or external data file; give a self-contained image.' },
  VM_NO_ROOT_PARTITION: { kind: 'input', summary: 'The disk has no GPT root partition to put the validation unit in.' },
  VM_DISK_COPY_FAILED: { kind: 'failed', summary: 'The disk could not be copied for the boot test (space, permissions); the message says why.' },
  VM_INJECT_FAILED: { kind: 'failed', summary: 'The validation unit could not be written into the disk copy\'s root filesystem (is it ext4?).' },
  VM_NO_FIRMWARE: { kind: 'failed', summary: 'UEFI firmware (OVMF) is not installed; install Debian\'s ovmf package.' },
  VM_SWTPM_FAILED: { kind: 'failed', summary: 'The software TPM (swtpm) did not start; the message gives its output.' },
  // Server, tokens and the HTTP API (statuses: docs/api.md)
  SERVE_BAD_LISTEN: { kind: 'input', summary: '`--listen` is not host:port (e.g. 127.0.0.1:8080, [::1]:8080).' },
  SERVE_TLS_REQUIRED: { kind: 'input', summary: 'Plain HTTP is served only on loopback; give --tls-cert and --tls-key to listen on a network.' },
  SERVE_TLS_INCOMPLETE: { kind: 'input', summary: 'Only one of --tls-cert and --tls-key was given; give both.' },
  SERVE_TLS_UNREADABLE: { kind: 'input', summary: 'The TLS certificate or key file cannot be read; the message says which and why.' },
  SERVE_OWNER_TOKEN_EXISTS: { kind: 'conflict', summary: 'The database has no tokens but an owner-token file exists (from another database?); move it away to create a new one.' },
  TOKEN_BAD_NAME: { kind: 'input', summary: 'A token name is 1-100 printable characters.' },
  TOKEN_BAD_ROLE: { kind: 'input', summary: 'No such role; the message lists the roles (docs/api.md).' },
  TOKEN_BAD_SCOPE: { kind: 'input', summary: 'The scope is not /, a management group, subscription or resource group id (a machine token: its VM id).' },
  TOKEN_BAD_EXPIRY: { kind: 'input', summary: 'The expiry is not a duration (30d, 12h, 90m) or an ISO date in the future.' },
  TOKEN_NOT_FOUND: { kind: 'not-found', summary: 'No token has this id; `goldsmith token list` shows them.' },
  API_UNAUTHENTICATED: { kind: 'permission', summary: 'HTTP 401: no valid bearer token (missing, malformed, unknown, expired or revoked).' },
  API_FORBIDDEN: { kind: 'permission', summary: 'HTTP 403: the token\'s role or scope does not allow this request; the target names the id asked for.' },
  API_INVALID_REQUEST: { kind: 'input', summary: 'HTTP 400: the body, query or path does not match the route\'s schema (unknown field, wrong type); details name each place.' },
  API_MALFORMED_JSON: { kind: 'input', summary: 'HTTP 400: the body is not valid JSON, is empty, or has a __proto__ key.' },
  API_BAD_CONTENT_LENGTH: { kind: 'input', summary: 'HTTP 400: the Content-Length header does not match the body.' },
  API_BAD_REQUEST: { kind: 'input', summary: 'HTTP 400: the request cannot be handled as sent (a protocol-level problem).' },
  API_BAD_LAST_EVENT_ID: { kind: 'input', summary: 'HTTP 400: the Last-Event-ID of an event stream is not a non-negative integer (an event id from an earlier stream).' },
  API_PATH_MISMATCH: { kind: 'input', summary: 'HTTP 400: the body names another id, name or type than the path; the path is the resource\'s identity.' },
  API_BODY_TOO_LARGE: { kind: 'input', summary: 'HTTP 413: the body is over the server\'s limit (1 MiB).' },
  API_UNSUPPORTED_MEDIA_TYPE: { kind: 'input', summary: 'HTTP 415: request bodies must be application/json.' },
  API_ROUTE_NOT_FOUND: { kind: 'not-found', summary: 'HTTP 404: no such route; GET /openapi.json lists them.' },
} as const satisfies Record<string, CodeSpec>;

/** A registered code. An unregistered string here is a compile error: add it to ERROR_CODES first. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The registered codes of one kind: what each error class accepts. */
export type CodeOfKind<K extends ErrorKind> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends K ? C : never }[ErrorCode];

/** Areas of docs/errors.md, by the code's first word (INTERNAL and PERMISSION_DENIED are one word). */
export const ERROR_AREAS: ReadonlyArray<{ title: string; prefixes: readonly string[] }> = [
  { title: 'Command line', prefixes: ['USAGE', 'CLI', 'PERMISSION', 'INTERNAL'] },
  { title: 'Data directory, configuration and locks', prefixes: ['CONFIG', 'HOME', 'PRIVATE', 'SCRATCH', 'STORE', 'LOCK'] },
  { title: 'Input documents', prefixes: ['INPUT'] },
  { title: 'Templates', prefixes: ['TEMPLATE'] },
  { title: 'Builds and pipeline', prefixes: ['BUILD', 'CUSTOMIZE', 'TATTOO', 'PUBLISH', 'SCHEDULE', 'DEMO'] },
  { title: 'Jobs and workers', prefixes: ['JOB'] },
  { title: 'Images and sandbox', prefixes: ['IMAGE', 'SANDBOX', 'EXEC'] },
  { title: 'Catalog', prefixes: ['CATALOG'] },
  { title: 'Artifacts', prefixes: ['ARTIFACT'] },
  { title: 'Gallery', prefixes: ['GALLERY'] },
  { title: 'Attestation and keys', prefixes: ['ATTEST'] },
  { title: 'SBOM', prefixes: ['SBOM'] },
  { title: 'Vulnerabilities', prefixes: ['VULN'] },
  { title: 'Policy engine', prefixes: ['POLICY'] },
  { title: 'Compliance', prefixes: ['COMPLIANCE'] },
  { title: 'Fleet', prefixes: ['FLEET'] },
  { title: 'Boot tests in a virtual machine', prefixes: ['VM'] },
  { title: 'Server, tokens and the HTTP API', prefixes: ['SERVE', 'TOKEN', 'API'] },
];

/** The docs area a code belongs to, or undefined when its prefix has none yet. */
export function errorArea(code: string): string | undefined {
  const prefix = code.split('_')[0]!;
  return ERROR_AREAS.find((a) => a.prefixes.includes(prefix))?.title;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
