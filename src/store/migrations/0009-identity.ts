import type { Migration } from './index.js';

/**
 * Who may use the server and what they did. API tokens keep only the SHA-256 of their secret (the
 * secret is shown once, when created); the audit log is append-only and never deleted with the
 * resources it names, so it is kept at least as long as they are. Append new entries; never edit one that has landed.
 */
export const identity: Migration[] = [
  {
    id: '0009-identity-1',
    sql: `
CREATE TABLE api_tokens (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  role        text NOT NULL,
  scope       text NOT NULL,
  secret_hash bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  created_by  text,
  expires_at  timestamptz,
  revoked_at  timestamptz
);

CREATE TABLE audit_log (
  seq           bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  token_id      text,
  token_name    text,
  method        text NOT NULL,
  route         text NOT NULL,
  url           text NOT NULL,
  resource_id   text,
  before_digest text,
  after_digest  text,
  status        integer NOT NULL,
  outcome       text NOT NULL,
  error_code    text
);
CREATE INDEX audit_log_resource ON audit_log (lower(resource_id)) WHERE resource_id IS NOT NULL;
`,
  },
];
