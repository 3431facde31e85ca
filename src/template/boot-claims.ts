import { InputError } from '../errors/index.js';
import type { ImageRef, LoadedTemplate } from './types.js';

/** The base a template resolved to, and whether it boots (from the catalog). */
export interface ResolvedBase extends ImageRef {
  bootable: boolean;
}

/**
 * The field of `distribute` that claims the image boots as a UEFI VM, if any: every security type
 * but Standard (Trusted Launch and confidential VMs need UEFI, Secure Boot and a vTPM), then an
 * explicit hyperVGeneration V2.
 */
export function bootClaim(d: LoadedTemplate['template']['distribute']): { pointer: string; value: string } | undefined {
  if (d.securityType !== undefined && d.securityType !== 'Standard') return { pointer: '/distribute/securityType', value: d.securityType };
  if (d.hyperVGeneration === 'V2') return { pointer: '/distribute/hyperVGeneration', value: 'V2' };
  return undefined;
}

/**
 * Refuse a template whose definition claims Gen2 or Trusted Launch on a base that cannot boot (no
 * kernel, init or Secure Boot loader): the published definition would promise VMs that never start.
 */
export function assertBaseCanBoot(loaded: LoadedTemplate, base: ResolvedBase): void {
  const claim = bootClaim(loaded.template.distribute);
  if (!claim || base.bootable) return;
  const urn = `${base.publisher}:${base.offer}:${base.sku}:${base.version}`;
  const field = claim.pointer.slice(1).replace('/', '.');
  throw new InputError(
    'TEMPLATE_BASE_NOT_BOOTABLE',
    `${field} ${claim.value} needs a bootable base, but ${urn} is not bootable (no kernel, systemd init, shim or signed GRUB). ` +
      'Build on a bootable catalog entry (`goldsmith marketplace show` says bootable: yes; e.g. Debian:debian-12:12-gen2), ' +
      'or publish the root filesystem as hyperVGeneration V1 without a Trusted Launch or confidential securityType',
    { where: `${loaded.file} (${claim.pointer})`, data: { field: claim.pointer, value: claim.value, base: urn } },
  );
}
