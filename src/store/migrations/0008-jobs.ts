import type { Migration } from './index.js';

/**
 * The job queue every worker shares (builds, scans, CVE responses, scheduled runs), and the fencing
 * token of build runs. A job is claimed by one atomic UPDATE and held by a lease its worker renews;
 * an expired lease means the worker died and the job may be claimed again. Append new entries only.
 */
export const jobs: Migration[] = [
  {
    id: '0008-jobs-1',
    sql: `
CREATE TABLE jobs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL,           -- build | scan | cve-respond | …
  payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
  state            text NOT NULL DEFAULT 'queued',  -- queued | running | succeeded | failed | cancelled
  attempts         integer NOT NULL DEFAULT 0,      -- claims so far; also the fencing token of the current claim
  max_attempts     integer NOT NULL DEFAULT 3,
  dedupe_key       text UNIQUE,             -- at most one job per key, ever (e.g. one schedule occurrence)
  run_after        timestamptz NOT NULL DEFAULT now(),
  lease_owner      text,
  lease_expires_at timestamptz,
  heartbeat_at     timestamptz,
  result           jsonb,
  error            jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'))
);
-- What a claim scans: waiting jobs in order, and running jobs whose lease may have expired.
CREATE INDEX jobs_claimable ON jobs (run_after, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_kind_state ON jobs (kind, state, created_at);

-- Bumped each time a run is (re)opened for execution; a step commits only under the attempt that
-- ran it, so an executor that lost its job to another worker can never commit (nor publish) again.
ALTER TABLE build_runs ADD COLUMN attempt integer NOT NULL DEFAULT 1;
`,
  },
];
