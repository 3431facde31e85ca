/**
 * A minimal read-only reader for SQLite database files (the documented file format: 100-byte
 * header, table b-trees, overflow chains, record format, write-ahead log). Enough to list a
 * table's rows, which is all the rpm database needs; no SQL, no indexes, no writes. Pure over bytes.
 */
import { InputError } from '../errors/index.js';

export type SqliteValue = null | number | bigint | string | Buffer;
export interface SqliteRow {
  rowid: number;
  values: SqliteValue[];
}

const MAGIC = 'SQLite format 3\0';

export class SqliteFile {
  readonly pageSize: number;
  private readonly usable: number;
  private readonly pages = new Map<number, Buffer>();

  /** `wal`: the -wal file's bytes; its committed frames override pages of the main file. */
  constructor(
    private readonly db: Buffer,
    private readonly where: string,
    wal?: Buffer,
  ) {
    if (db.length < 100 || db.toString('latin1', 0, 16) !== MAGIC) this.fail('not an SQLite 3 database');
    const ps = db.readUInt16BE(16);
    this.pageSize = ps === 1 ? 65536 : ps;
    if (this.pageSize < 512 || (this.pageSize & (this.pageSize - 1)) !== 0) this.fail(`bad page size ${ps}`);
    if (db.readUInt32BE(56) > 1) this.fail('only UTF-8 databases are supported');
    this.usable = this.pageSize - db[20]!;
    if (wal) this.applyWal(wal);
  }

  private fail(why: string): never {
    throw new InputError('SBOM_SQLITE_INVALID', `cannot read SQLite file ${this.where}: ${why}`, { where: this.where });
  }

  /** Committed WAL frames (matching the header's salts, up to the last commit frame) win over the main file. */
  private applyWal(wal: Buffer): void {
    if (wal.length < 32 || (wal.readUInt32BE(0) & 0xfffffffe) !== 0x377f0682) return;
    const ps = wal.readUInt32BE(8);
    if (ps !== this.pageSize) return;
    const salt1 = wal.readUInt32BE(16);
    const salt2 = wal.readUInt32BE(20);
    const pending = new Map<number, Buffer>();
    for (let off = 32; off + 24 + ps <= wal.length; off += 24 + ps) {
      if (wal.readUInt32BE(off + 8) !== salt1 || wal.readUInt32BE(off + 12) !== salt2) break;
      pending.set(wal.readUInt32BE(off), wal.subarray(off + 24, off + 24 + ps));
      if (wal.readUInt32BE(off + 4) !== 0) {
        for (const [n, p] of pending) this.pages.set(n, p);
        pending.clear();
      }
    }
  }

  page(n: number): Buffer {
    const hit = this.pages.get(n);
    if (hit) return hit;
    const start = (n - 1) * this.pageSize;
    if (n < 1 || start + this.pageSize > this.db.length) this.fail(`page ${n} is out of range`);
    return this.db.subarray(start, start + this.pageSize);
  }

  /** Every row of the table b-tree rooted at `root`, in rowid order. */
  *rows(root: number): Generator<SqliteRow> {
    const stack = [root];
    const seen = new Set<number>();
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) this.fail(`b-tree cycle at page ${n}`);
      seen.add(n);
      const page = this.page(n);
      const h = n === 1 ? 100 : 0;
      const type = page[h]!;
      const cells = page.readUInt16BE(h + 3);
      if (type === 0x05) {
        // interior: children left to right, then the right-most pointer; pushed reversed for a stack
        const children = [];
        for (let i = 0; i < cells; i++) children.push(page.readUInt32BE(page.readUInt16BE(h + 12 + 2 * i)));
        children.push(page.readUInt32BE(h + 8));
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      } else if (type === 0x0d) {
        for (let i = 0; i < cells; i++) yield this.leafCell(page, page.readUInt16BE(h + 8 + 2 * i));
      } else {
        this.fail(`page ${n} is not a table b-tree page (type ${type})`);
      }
    }
  }

  private leafCell(page: Buffer, off: number): SqliteRow {
    const [size, a] = varint(page, off);
    const [rowid, b] = varint(page, off + a);
    const p = Number(size);
    const start = off + a + b;
    const x = this.usable - 35;
    let payload: Buffer;
    if (p <= x) {
      payload = page.subarray(start, start + p);
    } else {
      const m = Math.floor(((this.usable - 12) * 32) / 255) - 23;
      const k = m + ((p - m) % (this.usable - 4));
      const local = k <= x ? k : m;
      const parts = [page.subarray(start, start + local)];
      let remaining = p - local;
      let next = page.readUInt32BE(start + local);
      while (remaining > 0) {
        if (next === 0) this.fail('overflow chain ends early');
        const ov = this.page(next);
        const take = Math.min(remaining, this.usable - 4);
        parts.push(ov.subarray(4, 4 + take));
        remaining -= take;
        next = ov.readUInt32BE(0);
      }
      payload = Buffer.concat(parts);
    }
    return { rowid: Number(rowid), values: record(payload) };
  }

  /** Root page of a table from sqlite_schema (page 1). */
  tableRoot(name: string): number | undefined {
    for (const r of this.rows(1)) {
      const [type, n, , root] = r.values;
      if (type === 'table' && typeof n === 'string' && n.toLowerCase() === name.toLowerCase()) return Number(root);
    }
    return undefined;
  }
}

function varint(buf: Buffer, off: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const byte = buf[off + i]!;
    v = (v << 7n) | BigInt(byte & 0x7f);
    if (byte < 0x80) return [v, i + 1];
  }
  return [(v << 8n) | BigInt(buf[off + 8]!), 9];
}

function record(p: Buffer): SqliteValue[] {
  const [hs, n0] = varint(p, 0);
  const types: number[] = [];
  for (let off = n0; off < Number(hs); ) {
    const [t, n] = varint(p, off);
    types.push(Number(t));
    off += n;
  }
  const out: SqliteValue[] = [];
  let off = Number(hs);
  for (const t of types) {
    if (t === 0) out.push(null);
    else if (t >= 1 && t <= 6) {
      const len = [0, 1, 2, 3, 4, 6, 8][t]!;
      out.push(len === 8 ? p.readBigInt64BE(off) : p.readIntBE(off, len));
      off += len;
    } else if (t === 7) {
      out.push(p.readDoubleBE(off));
      off += 8;
    } else if (t === 8 || t === 9) out.push(t - 8);
    else if (t >= 12) {
      const len = (t - (t % 2 === 0 ? 12 : 13)) / 2;
      out.push(t % 2 === 0 ? p.subarray(off, off + len) : p.toString('utf8', off, off + len));
      off += len;
    } else out.push(null);
  }
  return out;
}
