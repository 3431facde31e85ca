import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Queryable, Tx } from '../store/index.js';

/** Who changed the trust list: the OS account, as the kernel reports it (and sudo's caller when there is one). */
export interface TrustActor {
  user: string;
  uid?: number;
  sudoUser?: string;
}

export interface TrustAuditEntry {
  /** rotated: a new own key became active and trusted (`previous` retired, still trusted). */
  action: 'added' | 'removed' | 'rotated';
  keyid: string;
  by: TrustActor;
  at: string;
  /** The PEM file a key was added from (absolute path). */
  sourceFile?: string;
  /** The trust list changed. */
  trustList: string;
  previous?: string;
}

export const TRUST_EVENT_TYPES = { added: 'keys.trust.added', removed: 'keys.trust.removed', rotated: 'keys.rotated' } as const;

export function currentActor(env: NodeJS.ProcessEnv = process.env): TrustActor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A uid without a passwd entry (containers): the uid alone still names the account.
    user = env.USER || env.LOGNAME || 'unknown';
  }
  const uid = process.getuid?.();
  return { user, ...(uid !== undefined ? { uid } : {}), ...(env.SUDO_USER ? { sudoUser: env.SUDO_USER } : {}) };
}

export function trustAuditEntry(
  action: TrustAuditEntry['action'],
  keyid: string,
  trustList: string,
  at: Date,
  more: { sourceFile?: string; previous?: string } = {},
  actor = currentActor(),
): TrustAuditEntry {
  return { action, keyid, by: actor, at: at.toISOString(), trustList, ...(more.sourceFile ? { sourceFile: resolve(more.sourceFile) } : {}), ...(more.previous ? { previous: more.previous } : {}) };
}

/** Record the change in the store's change feed, in the caller's transaction. */
export function recordTrustChange(tx: Tx, entry: TrustAuditEntry): void {
  tx.emit({ type: TRUST_EVENT_TYPES[entry.action], subject: `keys/${entry.keyid}`, data: entry as unknown as Record<string, unknown> });
}

/** Every recorded trust change, oldest first. */
export async function trustAuditLog(q: Queryable): Promise<Array<TrustAuditEntry & { seq: number }>> {
  const rows = await q.query<{ seq: number; data: TrustAuditEntry }>(`SELECT seq, data FROM change_events WHERE type IN ($1, $2, $3) ORDER BY seq`, [
    TRUST_EVENT_TYPES.added,
    TRUST_EVENT_TYPES.removed,
    TRUST_EVENT_TYPES.rotated,
  ]);
  return rows.map((r) => ({ seq: r.seq, ...r.data }));
}

export function formatAuditEntry(e: TrustAuditEntry): string {
  const who = `${e.by.user}${e.by.uid !== undefined ? ` (uid ${e.by.uid})` : ''}${e.by.sudoUser ? ` via sudo from ${e.by.sudoUser}` : ''}`;
  const what = e.action === 'rotated' ? `key rotated to ${e.keyid}${e.previous ? ` (retired ${e.previous})` : ''}` : `trust ${e.action} ${e.keyid}`;
  return `audit: ${what} by ${who} at ${e.at}${e.sourceFile ? ` from ${e.sourceFile}` : ''} (${e.trustList})`;
}
