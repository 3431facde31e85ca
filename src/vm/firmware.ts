import { copyFile, access } from 'node:fs/promises';
import { FailedError } from '../errors/index.js';

/** Debian's `ovmf` package. The .ms pair has Microsoft's keys enrolled and Secure Boot on. */
export const OVMF_DIR = process.env.GOLDSMITH_OVMF_DIR ?? '/usr/share/OVMF';

export interface Firmware {
  code: string;
  varsTemplate: string;
}

export function firmwareFor(secureBoot: boolean): Firmware {
  return secureBoot
    ? { code: `${OVMF_DIR}/OVMF_CODE_4M.ms.fd`, varsTemplate: `${OVMF_DIR}/OVMF_VARS_4M.ms.fd` }
    : { code: `${OVMF_DIR}/OVMF_CODE_4M.fd`, varsTemplate: `${OVMF_DIR}/OVMF_VARS_4M.fd` };
}

/** A fresh, private variable store for one boot (the guest may write it; the template never). */
export async function freshVars(fw: Firmware, dest: string): Promise<void> {
  try {
    await access(fw.code);
    await copyFile(fw.varsTemplate, dest);
  } catch (e) {
    throw new FailedError('VM_NO_FIRMWARE', `UEFI firmware not found (${fw.code}, ${fw.varsTemplate}): install Debian's ovmf package`, { where: OVMF_DIR, cause: e });
  }
}
