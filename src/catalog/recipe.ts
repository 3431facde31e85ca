import { createHash } from 'node:crypto';
import { InputError } from '../errors/index.js';
import type { AptSource } from './apt-sources.js';
import { mirrorForSuite } from './apt-sources.js';
import type { BootKernel, MmdebstrapRecipe, NormalizedRecipe } from './types.js';

/** 2024-01-01T00:00:00Z: the mtime every file of a base gets unless the recipe names another. */
export const DEFAULT_SOURCE_DATE_EPOCH = 1704067200;
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
export const MMDEBSTRAP_VARIANTS = [
  'extract',
  'custom',
  'essential',
  'apt',
  'required',
  'minbase',
  'buildd',
  'important',
  'debootstrap',
  'standard',
] as const;

const SUITE_RE = /^[a-z][a-z0-9.-]*$/;
const PKG_RE = /^[a-z0-9][a-z0-9+.-]+(=[0-9A-Za-z.+~:-]+)?$/;
const ARCH_RE = /^[a-z0-9-]+$/;

function bad(field: string, message: string): InputError {
  return new InputError('CATALOG_BAD_RECIPE', message, { where: `recipe.${field}` });
}

/** Machine facts the defaults come from, injected so the pure part stays testable. */
export interface RecipeDefaults {
  aptSources: readonly AptSource[];
  architecture: string;
}

/**
 * Validate a recipe and fill in every default (mirror from the machine's apt sources, architecture,
 * components, epoch), so the stored recipe alone determines the build and its digest.
 */
export function normalizeRecipe(recipe: MmdebstrapRecipe, defaults: RecipeDefaults): NormalizedRecipe {
  if (!recipe || typeof recipe !== 'object') throw bad('kind', 'recipe must be an object');
  if (recipe.kind !== 'mmdebstrap') throw bad('kind', `recipe kind must be "mmdebstrap", got ${JSON.stringify(recipe.kind)}`);
  if (typeof recipe.suite !== 'string' || !SUITE_RE.test(recipe.suite)) {
    throw bad('suite', `suite must be a Debian suite or codename such as bookworm, got ${JSON.stringify(recipe.suite)}`);
  }
  const variant = recipe.variant ?? 'minbase';
  if (!(MMDEBSTRAP_VARIANTS as readonly string[]).includes(variant)) {
    throw bad('variant', `variant must be one of ${MMDEBSTRAP_VARIANTS.join(', ')}, got ${JSON.stringify(variant)}`);
  }
  const mirror = recipe.mirror ?? mirrorForSuite(defaults.aptSources, recipe.suite) ?? DEFAULT_MIRROR;
  if (!/^(https?|file):\/\/\S+$/.test(mirror)) throw bad('mirror', `mirror must be an http(s):// or file:// URL, got ${JSON.stringify(mirror)}`);
  const packages = recipe.packages ?? [];
  if (!Array.isArray(packages)) throw bad('packages', 'packages must be a list of "name" or "name=version"');
  packages.forEach((p, i) => {
    if (typeof p !== 'string' || !PKG_RE.test(p)) throw bad(`packages[${i}]`, `package must be "name" or "name=version", got ${JSON.stringify(p)}`);
  });
  const components = recipe.components ?? ['main'];
  if (!Array.isArray(components) || components.length === 0 || components.some((c) => typeof c !== 'string' || !/^[a-z0-9/-]+$/.test(c))) {
    throw bad('components', `components must be a non-empty list such as ["main"], got ${JSON.stringify(components)}`);
  }
  const epoch = recipe.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH;
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw bad('sourceDateEpoch', `sourceDateEpoch must be a non-negative integer, got ${epoch}`);
  const updates = recipe.updates ?? !['sid', 'unstable', 'experimental', 'rc-buggy'].includes(recipe.suite);
  const securityMirror = (
    recipe.securityMirror ?? mirrorForSuite(defaults.aptSources, `${recipe.suite}-security`) ?? DEFAULT_SECURITY_MIRROR
  ).replace(/\/+$/, '');
  if (!/^(https?|file):\/\/\S+$/.test(securityMirror)) throw bad('securityMirror', `securityMirror must be an http(s):// or file:// URL, got ${JSON.stringify(securityMirror)}`);
  const architecture = recipe.architecture ?? defaults.architecture;
  if (!ARCH_RE.test(architecture)) throw bad('architecture', `architecture must be a Debian architecture such as amd64, got ${JSON.stringify(architecture)}`);
  const boot = normalizeBoot(recipe, architecture, variant);
  return {
    kind: 'mmdebstrap',
    suite: recipe.suite,
    variant,
    mirror: mirror.replace(/\/+$/, ''),
    // Order does not change what apt installs, so sort it to keep the digest stable.
    packages: [...new Set(packages)].sort(),
    components: [...components],
    sourceDateEpoch: epoch,
    architecture,
    updates,
    securityMirror,
    ...boot,
  };
}

const KERNELS: readonly BootKernel[] = ['cloud', 'generic'];

/**
 * The boot fields of a normalised recipe: `{bootable: true, kernel}` or nothing at all, so a
 * recipe that is not bootable keeps the digest it had before these fields existed.
 */
function normalizeBoot(recipe: MmdebstrapRecipe, architecture: string, variant: string): Pick<NormalizedRecipe, 'bootable' | 'kernel'> {
  const bootable = recipe.bootable ?? false;
  if (typeof bootable !== 'boolean') throw bad('bootable', `bootable must be true or false, got ${JSON.stringify(bootable)}`);
  if (!bootable) {
    if (recipe.kernel !== undefined) throw bad('kernel', 'kernel applies only to a bootable recipe; add bootable: true or remove kernel');
    return {};
  }
  // shim-signed and grub-efi-amd64-signed are the Secure Boot chain Debian signs for amd64 only here.
  if (architecture !== 'amd64') throw bad('bootable', `a bootable base can be built for amd64 only for now, not ${architecture}`);
  // These variants do not configure the packages they unpack, so no initramfs would be made.
  if (variant === 'extract' || variant === 'custom') throw bad('bootable', `a bootable base needs a variant that configures packages (e.g. minbase), not ${variant}`);
  const kernel = recipe.kernel ?? 'cloud';
  if (!KERNELS.includes(kernel)) throw bad('kernel', `kernel must be one of ${KERNELS.join(', ')}, got ${JSON.stringify(kernel)}`);
  return { bootable: true, kernel };
}

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The cache key of a base: sha256 of the normalised recipe's canonical JSON. */
export function recipeDigest(recipe: NormalizedRecipe): string {
  return `sha256:${createHash('sha256').update(canonicalJson(recipe)).digest('hex')}`;
}
