import { open } from 'node:fs/promises';
import { InputError } from '../errors/index.js';

/** GPT type of a Linux x86-64 root partition (Discoverable Partitions Specification). */
const ROOT_X86_64 = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
const SECTOR = 512;
/** More entries than any real table has; a hostile header cannot make us read more. */
const MAX_ENTRIES = 256;

export interface GptPartition {
  index: number;
  type: string;
  firstLba: number;
  lastLba: number;
}

/** A GUID as GPT stores it: the first three fields little-endian. */
export function guidAt(b: Buffer, off: number): string {
  const hex = (from: number, to: number, le: boolean) => {
    const bytes = [...b.subarray(off + from, off + to)];
    return (le ? bytes.reverse() : bytes).map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** Parse the primary GPT of a disk's first sectors (header at LBA 1). Pure, bounded. */
export function parseGpt(head: Buffer): GptPartition[] {
  const hdr = head.subarray(SECTOR, 2 * SECTOR);
  if (hdr.length < 92 || hdr.toString('latin1', 0, 8) !== 'EFI PART') return [];
  const entryLba = Number(hdr.readBigUInt64LE(72));
  const count = Math.min(hdr.readUInt32LE(80), MAX_ENTRIES);
  const size = hdr.readUInt32LE(84);
  if (size < 128 || size > 1024 || entryLba < 2) return [];
  const parts: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const off = entryLba * SECTOR + i * size;
    if (off + 128 > head.length) break;
    const type = guidAt(head, off);
    if (type === '00000000-0000-0000-0000-000000000000') continue;
    parts.push({ index: i + 1, type, firstLba: Number(head.readBigUInt64LE(off + 32)), lastLba: Number(head.readBigUInt64LE(off + 40)) });
  }
  return parts;
}

/** The root partition: the one typed Linux x86-64 root, else the second one (ESP first, as Debian cloud images lay it out). */
export function pickRoot(parts: GptPartition[]): GptPartition | undefined {
  return parts.find((p) => p.type === ROOT_X86_64) ?? parts.find((p) => p.index === 2);
}

/** Byte offset of the root partition of a raw disk; InputError when there is none. */
export async function rootPartitionOffset(disk: string): Promise<number> {
  const fh = await open(disk, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(SECTOR * 2 + MAX_ENTRIES * 1024 + SECTOR * 32);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const root = pickRoot(parseGpt(head));
  if (!root || root.firstLba < 2 || root.lastLba <= root.firstLba) {
    throw new InputError('VM_NO_ROOT_PARTITION', 'the disk has no GPT root partition (type 4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, or a second partition)', { where: disk });
  }
  return root.firstLba * SECTOR;
}
