/**
 * Builds rpmdb.sqlite fixtures: header blobs written from the documented rpm header layout, stored
 * by the real SQLite library (python3's sqlite3 module) with rpm's own Packages table schema.
 */
import { spawnSync } from 'node:child_process';

export const hasPythonSqlite = spawnSync('python3', ['-c', 'import sqlite3']).status === 0;

export interface FixtureRpm {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
}

/** A header blob: index entries (a leading immutable-region tag as rpm writes one), then the data store. */
export function headerBlob(p: FixtureRpm): Buffer {
  const entries: Array<{ tag: number; type: number; data: Buffer; count: number }> = [];
  const s = (tag: number, v: string | undefined) => v !== undefined && entries.push({ tag, type: 6, data: Buffer.from(v + '\0'), count: 1 });
  s(1000, p.name);
  s(1001, p.version);
  s(1002, p.release);
  if (p.epoch !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(p.epoch);
    entries.push({ tag: 1003, type: 4, data: b, count: 1 });
  }
  s(1014, p.license);
  s(1022, p.arch);
  s(1044, p.sourceRpm);
  const chunks: Buffer[] = [];
  let size = 0;
  const index: Buffer[] = [];
  const put = (tag: number, type: number, data: Buffer, count: number) => {
    if (type === 4 && size % 4) {
      chunks.push(Buffer.alloc(4 - (size % 4)));
      size += 4 - (size % 4);
    }
    const e = Buffer.alloc(16);
    e.writeUInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeInt32BE(size, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
    chunks.push(data);
    size += data.length;
  };
  for (const e of entries) put(e.tag, e.type, e.data, e.count);
  put(63, 7, Buffer.alloc(16), 16); // region trailer, ignored by readers of the tags above
  const head = Buffer.alloc(8);
  head.writeUInt32BE(index.length, 0);
  head.writeUInt32BE(size, 4);
  return Buffer.concat([head, ...index, ...chunks]);
}

/**
 * Write `pkgs` to `file` as rpm does. With `walTail`, those rows are committed after a checkpoint
 * and the process exits without closing, so they live only in the -wal file.
 */
export function writeRpmdb(file: string, pkgs: FixtureRpm[], walTail: FixtureRpm[] = []): void {
  const script = `
import sqlite3, sys, json, os
d = json.load(sys.stdin)
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
c.execute("BEGIN")
for h in d["main"]: c.execute("INSERT INTO Packages (blob) VALUES (?)", (bytes.fromhex(h),))
c.execute("COMMIT")
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
if d["wal"]:
    c.execute("PRAGMA wal_autocheckpoint=0")
    c.execute("BEGIN")
    for h in d["wal"]: c.execute("INSERT INTO Packages (blob) VALUES (?)", (bytes.fromhex(h),))
    c.execute("COMMIT")
    os._exit(0)
c.close()
`;
  const input = JSON.stringify({ main: pkgs.map((p) => headerBlob(p).toString('hex')), wal: walTail.map((p) => headerBlob(p).toString('hex')) });
  const r = spawnSync('python3', ['-c', script, file], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 sqlite3 failed: ${r.stderr}`);
}
