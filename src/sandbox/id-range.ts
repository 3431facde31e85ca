import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { FailedError } from '../errors/index.js';

/** A subordinate id range (/etc/subuid, /etc/subgid): sandbox ids 0..count-1 are host ids start.. */
export interface IdRange {
  start: number;
  count: number;
}

export interface IdRanges {
  uid: IdRange;
  gid: IdRange;
}

/** Sandboxes map 65536 ids (0..65535, what Debian's packages use, nobody included). */
export const SANDBOX_ID_COUNT = 65536;

/** Parse subuid/subgid text and pick the first range of `user` (name or numeric id) with enough ids. */
export function pickRange(text: string, user: { name: string; id: number }, count = SANDBOX_ID_COUNT): IdRange | undefined {
  for (const line of text.split('\n')) {
    const [who, start, n] = line.trim().split(':');
    if (who !== user.name && who !== String(user.id)) continue;
    const s = Number(start);
    const c = Number(n);
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(c) || s <= 0 || c < count) continue;
    return { start: s, count };
  }
  return undefined;
}

let cached: IdRanges | undefined;

/** The sandbox's host group (it has search permission on the private directories it must reach), if this host has one. */
export function sandboxGid(): number | undefined {
  try {
    return sandboxIdRanges().gid.start;
  } catch {
    return undefined;
  }
}

/**
 * The host ids the sandbox's ids map to: the invoking user's subordinate range, as newuidmap(1)
 * enforces it. Root inside a sandbox is then an unprivileged id outside, owning nothing on the host.
 */
export function sandboxIdRanges(): IdRanges {
  if (cached) return cached;
  const me = userInfo();
  const read = (file: string, id: number): IdRange => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      /* absent: reported below */
    }
    const r = pickRange(text, { name: me.username, id });
    if (!r) {
      throw new FailedError(
        'SANDBOX_NO_ID_RANGE',
        `${file} gives ${me.username} no subordinate range of ${SANDBOX_ID_COUNT} ids; sandboxes need one so that root inside is not root outside (scripts/setup.sh adds "${me.username}:1879048192:65536")`,
        { where: file },
      );
    }
    return r;
  };
  cached = { uid: read('/etc/subuid', me.uid), gid: read('/etc/subgid', me.gid) };
  return cached;
}

/** unshare(1) arguments that enter a new user namespace mapping ids 0.. to the ranges, as root in it. */
export function userNamespaceArgs(ids: IdRanges): string[] {
  return [
    'unshare',
    '--user',
    `--map-users=${ids.uid.start},0,${ids.uid.count}`,
    `--map-groups=${ids.gid.start},0,${ids.gid.count}`,
    '--setuid=0',
    '--setgid=0',
    '--',
  ];
}
