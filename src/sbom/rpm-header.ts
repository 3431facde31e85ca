/**
 * rpm header blobs as stored in the rpm database: int32 index count, int32 data length, that many
 * 16-byte index entries (tag, type, offset, count; big-endian), then the data store. Only the
 * tags an SBOM needs are decoded. Pure over bytes.
 */
import { InputError } from '../errors/index.js';

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

const STRING = 6;
const STRING_ARRAY = 8;
const I18NSTRING = 9;
const INT32 = 4;

export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
}

export function parseRpmHeader(blob: Buffer, where: string): RpmHeader {
  const fail = (why: string): never => {
    throw new InputError('SBOM_RPMDB_INVALID', `rpm header ${where}: ${why}`, { where });
  };
  if (blob.length < 8) fail('too short');
  const il = blob.readUInt32BE(0);
  const dl = blob.readUInt32BE(4);
  const dataStart = 8 + il * 16;
  if (il > 0xffff || dataStart + dl > blob.length) fail(`index count ${il} / data length ${dl} exceed the blob (${blob.length} bytes)`);
  const tags = new Map<number, string | number>();
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = blob.readUInt32BE(e);
    const type = blob.readUInt32BE(e + 4);
    const offset = blob.readInt32BE(e + 8);
    if (tag < 1000 || tag > 1044) continue;
    if (offset < 0 || offset >= dl) fail(`tag ${tag} points outside the data store`);
    const at = dataStart + offset;
    if (type === STRING || type === STRING_ARRAY || type === I18NSTRING) {
      const end = blob.indexOf(0, at);
      if (end < 0 || end > dataStart + dl) fail(`tag ${tag} string is not terminated`);
      tags.set(tag, blob.toString('utf8', at, end));
    } else if (type === INT32) {
      tags.set(tag, blob.readUInt32BE(at));
    }
  }
  const str = (t: number) => (typeof tags.get(t) === 'string' ? (tags.get(t) as string) : undefined);
  const name = str(RPMTAG.NAME);
  const version = str(RPMTAG.VERSION);
  const release = str(RPMTAG.RELEASE);
  if (!name || version === undefined || release === undefined) fail('missing name, version or release');
  const epoch = tags.get(RPMTAG.EPOCH);
  return {
    name: name!,
    version: version!,
    release: release!,
    ...(typeof epoch === 'number' ? { epoch } : {}),
    ...(str(RPMTAG.ARCH) ? { arch: str(RPMTAG.ARCH)! } : {}),
    ...(str(RPMTAG.LICENSE) ? { license: str(RPMTAG.LICENSE)! } : {}),
    ...(str(RPMTAG.SOURCERPM) ? { sourceRpm: str(RPMTAG.SOURCERPM)! } : {}),
  };
}

/** "openssl-3.0.7-24.el9.src.rpm" → {name: "openssl", version: "3.0.7-24.el9"} (version-release). */
export function splitSourceRpm(file: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  return m ? { name: m[1]!, version: `${m[2]}-${m[3]}` } : undefined;
}
