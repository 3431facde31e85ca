/**
 * A small reader for zip archives (PKWARE APPNOTE): end-of-central-directory record (and its ZIP64
 * form), central directory, local headers; stored and deflated members, CRC-checked. No library
 * and no `unzip` process: OSV's all.zip dumps are read in-process, and every offset is bounds-checked
 * so a truncated or hostile file gives an InputError, never a crash or an out-of-range read.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { InputError } from '../errors/index.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
  flags: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_CEN = 0x02014b50;
const SIG_LOC = 0x04034b50;

export function isZip(buf: Buffer): boolean {
  return buf.length >= 4 && (buf.readUInt32LE(0) === SIG_LOC || buf.readUInt32LE(0) === SIG_EOCD);
}

export class ZipReader {
  readonly entries: ZipEntry[];
  private constructor(private buf: Buffer, private file: string, entries: ZipEntry[]) {
    this.entries = entries;
  }

  static open(buf: Buffer, file: string): ZipReader {
    const bad = (what: string) => new InputError('VULN_ZIP_INVALID', `${file} is not a readable zip archive: ${what}`, { where: file });
    const u16 = (o: number) => {
      if (o < 0 || o + 2 > buf.length) throw bad('truncated');
      return buf.readUInt16LE(o);
    };
    const u32 = (o: number) => {
      if (o < 0 || o + 4 > buf.length) throw bad('truncated');
      return buf.readUInt32LE(o);
    };
    const u64 = (o: number) => {
      if (o < 0 || o + 8 > buf.length) throw bad('truncated');
      const v = buf.readBigUInt64LE(o);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('size out of range');
      return Number(v);
    };
    // The EOCD record is 22 bytes plus a comment of up to 65535: search backwards for its signature.
    let eocd = -1;
    for (let o = buf.length - 22; o >= Math.max(0, buf.length - 22 - 0xffff); o--) {
      if (buf.readUInt32LE(o) === SIG_EOCD && o + 22 + buf.readUInt16LE(o + 20) === buf.length) {
        eocd = o;
        break;
      }
    }
    if (eocd < 0) throw bad('no end-of-central-directory record');
    let count = u16(eocd + 10);
    let cdSize = u32(eocd + 12);
    let cdOffset = u32(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || u32(loc) !== SIG_LOC64) throw bad('ZIP64 locator missing');
      const rec = u64(loc + 8);
      if (u32(rec) !== SIG_EOCD64) throw bad('ZIP64 end record missing');
      count = u64(rec + 32);
      cdSize = u64(rec + 40);
      cdOffset = u64(rec + 48);
    }
    if (cdOffset + cdSize > buf.length) throw bad('central directory beyond end of file');
    const entries: ZipEntry[] = [];
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (u32(p) !== SIG_CEN) throw bad(`central directory entry ${i} has a bad signature`);
      const flags = u16(p + 8);
      const method = u16(p + 10);
      const crc = u32(p + 16);
      let compressedSize = u32(p + 20);
      let size = u32(p + 24);
      const nameLen = u16(p + 28);
      const extraLen = u16(p + 30);
      const commentLen = u16(p + 32);
      let localOffset = u32(p + 42);
      if (p + 46 + nameLen + extraLen + commentLen > buf.length) throw bad(`central directory entry ${i} is truncated`);
      const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      // ZIP64 extended information: only the fields saturated in the fixed header are present, in order.
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = u16(e);
        const len = u16(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          if (size === 0xffffffff) (size = u64(f)), (f += 8);
          if (compressedSize === 0xffffffff) (compressedSize = u64(f)), (f += 8);
          if (localOffset === 0xffffffff) localOffset = u64(f);
        }
        e += 4 + len;
      }
      entries.push({ name, method, compressedSize, size, crc, localOffset, flags });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return new ZipReader(buf, file, entries);
  }

  /** The member's bytes, inflated and CRC-checked. */
  read(entry: ZipEntry): Buffer {
    const bad = (what: string) => new InputError('VULN_ZIP_INVALID', `${this.file}: member ${entry.name}: ${what}`, { where: `${this.file}!${entry.name}` });
    const b = this.buf;
    const o = entry.localOffset;
    if (o + 30 > b.length || b.readUInt32LE(o) !== SIG_LOC) throw bad('bad local header');
    if (entry.flags & 1) throw bad('encrypted members are not supported');
    const start = o + 30 + b.readUInt16LE(o + 26) + b.readUInt16LE(o + 28);
    const end = start + entry.compressedSize;
    if (end > b.length) throw bad('data beyond end of file');
    const raw = b.subarray(start, end);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
      } catch (e) {
        throw bad(`cannot inflate: ${(e as Error).message}`);
      }
    } else throw bad(`compression method ${entry.method} is not supported (stored and deflate are)`);
    if (data.length !== entry.size) throw bad(`size ${data.length} differs from the directory's ${entry.size}`);
    if (crc32(data) >>> 0 !== entry.crc) throw bad('CRC mismatch: the archive is corrupted');
    return data;
  }
}
