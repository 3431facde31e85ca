/**
 * The audit log: one row per write the server was asked for, whatever came of it (allowed or
 * refused, succeeded or failed). Documents are not copied in: a SHA-256 of their canonical JSON
 * before and after says whether and when a resource changed without keeping its content twice.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../store/index.js';

export interface AuditEntry {
  tokenId: string | null;
  tokenName: string | null;
  method: string;
  /** The route pattern (`/subscriptions/:subscriptionId/...`), which groups entries by family. */
  route: string;
  url: string;
  resourceId: string | null;
  beforeDigest: string | null;
  afterDigest: string | null;
  status: number;
  outcome: 'succeeded' | 'refused' | 'failed';
  errorCode: string | null;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  at: string;
}

/** sha256 of the canonical JSON (object keys sorted), or null when there is no document. */
export function documentDigest(doc: unknown): string | null {
  if (doc === undefined || doc === null) return null;
  return 'sha256:' + createHash('sha256').update(canonical(doc)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export class AuditLog {
  constructor(
    private store: Store,
    private clock: () => Date = () => new Date(),
  ) {}

  async record(e: AuditEntry): Promise<void> {
    await this.store.query(
      `INSERT INTO audit_log (at, token_id, token_name, method, route, url, resource_id, before_digest, after_digest, status, outcome, error_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [this.clock().toISOString(), e.tokenId, e.tokenName, e.method, e.route, e.url, e.resourceId, e.beforeDigest, e.afterDigest, e.status, e.outcome, e.errorCode],
    );
  }

  /** Newest first; `after` pages backwards by sequence number. */
  async list(opts: { limit?: number; before?: number; resourceId?: string } = {}): Promise<AuditRecord[]> {
    const rows = await this.store.query<Record<string, unknown>>(
      `SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::text IS NULL OR lower(resource_id) = lower($2))
        ORDER BY seq DESC LIMIT $3`,
      [opts.before ?? null, opts.resourceId ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: r.at as string,
      tokenId: r.token_id as string | null,
      tokenName: r.token_name as string | null,
      method: r.method as string,
      route: r.route as string,
      url: r.url as string,
      resourceId: r.resource_id as string | null,
      beforeDigest: r.before_digest as string | null,
      afterDigest: r.after_digest as string | null,
      status: Number(r.status),
      outcome: r.outcome as AuditEntry['outcome'],
      errorCode: r.error_code as string | null,
    }));
  }
}
