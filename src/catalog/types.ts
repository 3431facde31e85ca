import type { ImportAllowances, OsRelease, SpecialFile } from '../image/index.js';

/** A catalog reference, as in `az vm image` URNs: publisher:offer:sku:version (version may be "latest"). */
export interface CatalogRef {
  publisher: string;
  offer: string;
  sku: string;
  /** Exact version, or "latest" for the highest one. */
  version: string;
}

/** How to build a Debian base with mmdebstrap. Normalised recipes have every default filled in. */
export interface MmdebstrapRecipe {
  kind: 'mmdebstrap';
  suite: string;
  /** mmdebstrap --variant: extract, custom, essential, apt, required, minbase, buildd, important, debootstrap, standard. */
  variant: string;
  mirror?: string;
  /** Extra packages, pinned as name=version or bare names. */
  packages?: string[];
  components?: string[];
  sourceDateEpoch?: number;
  architecture?: string;
  /** Also use <suite>-updates and <suite>-security (default true for stable releases): a golden base
   * must carry the security fixes released since the point release. */
  updates?: boolean;
  /** Mirror of the security archive; defaults from the machine's apt sources. */
  securityMirror?: string;
  /**
   * Make the base a bootable OS (amd64 only): kernel, systemd as init, shim + signed GRUB for
   * Secure Boot, initramfs, DHCP networking and SSH, with first-boot generalisation. Default false:
   * a root filesystem without a kernel, for containers or bases a template makes bootable itself.
   */
  bootable?: boolean;
  /** Kernel flavour of a bootable base: "cloud" (linux-image-cloud-amd64, the default) or "generic" (linux-image-amd64). */
  kernel?: BootKernel;
}

export type BootKernel = 'cloud' | 'generic';

/**
 * A recipe with every default filled in. `bootable` and `kernel` appear only on bootable recipes,
 * so the digests of recipes written before they existed stay the same.
 */
export type NormalizedRecipe = Required<Omit<MmdebstrapRecipe, 'bootable' | 'kernel'>> & { bootable?: true; kernel?: BootKernel };

export interface AddEntryInput extends Omit<CatalogRef, 'version'> {
  version: string;
  recipe: MmdebstrapRecipe;
}

/** What the base's /etc/os-release says (recorded once the artifact exists). */
export interface BaseOs {
  id: string;
  prettyName: string;
  versionId?: string;
}

export function baseOs(os: OsRelease): BaseOs {
  return { id: os.id, prettyName: os.prettyName, ...(os.versionId ? { versionId: os.versionId } : {}) };
}

export interface CatalogEntry extends CatalogRef {
  /** "mmdebstrap" builds from the recipe; "import" was an imported tarball (cannot be rebuilt). */
  kind: 'mmdebstrap' | 'import';
  recipe?: NormalizedRecipe;
  /** sha256 of the canonical JSON of the recipe: the cache key of the built base. */
  recipeDigest?: string;
  /**
   * Where an imported entry came from (file name and digest of the original tarball), the
   * allowances it was imported with, and the device nodes, setuid/setgid and world-writable files
   * it holds (accepted by default or by those allowances).
   */
  source?: { file: string; digest: string; osId?: string; allowances?: ImportAllowances; specialFiles?: SpecialFile[]; bootable?: boolean };
  /** The base rootfs .tar.zst, once built or imported. */
  artifact?: { digest: string; size: number; region: string };
  os?: BaseOs;
  /**
   * Whether the base boots as a VM (kernel, systemd init, shim and signed GRUB): from the recipe, or
   * for an import from inspecting its tree. Only a bootable base may back a Gen2 / Trusted Launch definition.
   */
  bootable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface EnsuredArtifact {
  digest: string;
  size: number;
  /** Path of the blob in the artifact store. */
  path: string;
  region: string;
  /** True when an existing artifact was reused instead of building one. */
  cached: boolean;
  entry: CatalogEntry;
}
