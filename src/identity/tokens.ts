/**
 * API tokens: `gst_<id>_<secret>`, the secret 256 random bits. Only SHA-256(secret) is stored; a
 * presented token is found by its id and its secret's hash compared with timingSafeEqual, so neither
 * the database nor the comparison's timing tells anything about the secret.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError, NotFoundError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { isRoleName, scopeProblem, ROLE_NAMES, type Principal, type RoleName } from './roles.js';

export interface TokenRecord {
  id: string;
  name: string;
  role: RoleName;
  scope: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface CreatedToken {
  /** The bearer token itself: shown once, never stored. */
  token: string;
  record: TokenRecord;
}

/** Why a presented token was refused; the server answers 401 with one message for all of them. */
export type AuthFailure = 'malformed' | 'unknown' | 'expired' | 'revoked';
export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

const TOKEN_RE = /^gst_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const MAX_NAME = 100;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

export class TokenService {
  constructor(
    private store: Store,
    private clock: () => Date = () => new Date(),
  ) {}

  async create(input: { name: string; role: string; scope: string; expiresAt?: Date; createdBy?: string }): Promise<CreatedToken> {
    const { name, role, scope } = input;
    if (!name || name.length > MAX_NAME || /[\u0000-\u001f]/.test(name)) throw new InputError('TOKEN_BAD_NAME', `a token name is 1-${MAX_NAME} printable characters`, { where: 'name' });
    if (!isRoleName(role)) throw new InputError('TOKEN_BAD_ROLE', `role ${JSON.stringify(role)} does not exist; roles: ${ROLE_NAMES.join(', ')}`, { where: 'role' });
    const problem = scopeProblem(role, scope);
    if (problem) throw new InputError('TOKEN_BAD_SCOPE', problem, { where: 'scope' });
    if (input.expiresAt && input.expiresAt.getTime() <= this.clock().getTime()) throw new InputError('TOKEN_BAD_EXPIRY', 'the expiry is in the past', { where: 'expires' });
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const rows = await this.store.query<Row>(
      `INSERT INTO api_tokens (id, name, role, scope, secret_hash, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [id, name, role, scope, sha256(secret), this.clock().toISOString(), input.createdBy ?? null, input.expiresAt?.toISOString() ?? null],
    );
    return { token: `gst_${id}_${secret}`, record: toRecord(rows[0]!) };
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.store.query<Row>(`SELECT * FROM api_tokens ORDER BY created_at, id`)).map(toRecord);
  }

  /** Revoke now; revoking twice keeps the first time. */
  async revoke(id: string): Promise<TokenRecord> {
    const rows = await this.store.query<Row>(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *`, [id, this.clock().toISOString()]);
    if (!rows[0]) throw new NotFoundError('TOKEN_NOT_FOUND', `token ${id} does not exist`, { where: id });
    return toRecord(rows[0]);
  }

  /** The principal a bearer token stands for, or why it is refused. */
  async authenticate(token: string): Promise<AuthResult> {
    const m = TOKEN_RE.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const [row] = await this.store.query<Row & { secret_hash: Uint8Array }>(`SELECT * FROM api_tokens WHERE id = $1`, [m[1]]);
    // Hash even when the id is unknown, so both paths do the same work.
    const presented = sha256(m[2]!);
    const stored = row ? Buffer.from(row.secret_hash) : sha256('');
    if (!timingSafeEqual(presented, stored) || !row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.expires_at && Date.parse(row.expires_at) <= this.clock().getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, principal: { tokenId: row.id, name: row.name, role: row.role as RoleName, scope: row.scope } };
  }
}

interface Row {
  id: string;
  name: string;
  role: string;
  scope: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

function toRecord(r: Row): TokenRecord {
  return { id: r.id, name: r.name, role: r.role as RoleName, scope: r.scope, createdAt: r.created_at, createdBy: r.created_by, expiresAt: r.expires_at, revokedAt: r.revoked_at };
}

/** `30d`, `12h`, `90m` or an ISO date: when a new token expires. */
export function parseExpiry(text: string, now: Date): Date {
  const m = /^(\d{1,6})([dhm])$/.exec(text);
  if (m) return new Date(now.getTime() + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']);
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) throw new InputError('TOKEN_BAD_EXPIRY', `expiry ${JSON.stringify(text)} is not a duration (30d, 12h, 90m) or an ISO date`, { where: 'expires' });
  return new Date(t);
}
