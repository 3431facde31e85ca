import { open } from 'node:fs/promises';

/** Seconds between the Unix epoch and the VHD epoch (2000-01-01T00:00:00Z). */
const VHD_EPOCH = 946684800;
const FOOTER = 512;

/** The VHD footer checksum: one's complement of the byte sum with the checksum field zeroed. */
export function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < FOOTER; i++) if (i < 64 || i >= 68) sum += footer[i]!;
  return ~sum >>> 0;
}

/**
 * qemu-img stamps a fixed VHD's footer with the current time and a random unique id. Replace both
 * with values from the inputs (timestamp = epoch, id = the filesystem UUID) so a rebuild is
 * byte-identical, and fix the checksum.
 */
export async function pinVhdFooter(file: string, epoch: number, uuid: string): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    const footer = Buffer.alloc(FOOTER);
    await fh.read(footer, 0, FOOTER, size - FOOTER);
    if (footer.subarray(0, 8).toString('latin1') !== 'conectix') throw new Error(`${file} has no VHD footer`);
    footer.writeUInt32BE(Math.max(0, epoch - VHD_EPOCH), 24);
    Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(footer, 68);
    footer.writeUInt32BE(vhdChecksum(footer), 64);
    await fh.write(footer, 0, FOOTER, size - FOOTER);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
