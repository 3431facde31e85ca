import type { Migration } from './index.js';

/** Build runs and their step records. A step row is committed when the step finishes, so a killed
 * run resumes at the first step without a succeeded row. Logs stay with the run. */
export const pipeline: Migration[] = [
  {
    id: '0004-pipeline-1',
    sql: `
CREATE TABLE build_runs (
  id              text PRIMARY KEY,
  template_name   text NOT NULL,
  template_file   text NOT NULL,
  template_digest text NOT NULL,
  template        jsonb NOT NULL,
  kind            text NOT NULL,          -- on-demand | scheduled | emergency
  state           text NOT NULL,          -- running | needs-repair | failed | succeeded
  params          jsonb NOT NULL,         -- emergency CVEs, pins, requested outputs
  outputs         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- what finished steps produced (base, version, digests…)
  work_dir        text NOT NULL,
  error           jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX build_runs_template ON build_runs (template_name, created_at);
CREATE INDEX build_runs_state ON build_runs (state);

CREATE TABLE build_steps (
  run_id       text NOT NULL REFERENCES build_runs(id) ON DELETE CASCADE,
  seq          integer NOT NULL,       -- order of execution across attempts
  name         text NOT NULL,
  status       text NOT NULL,          -- succeeded | failed
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  duration_ms  integer NOT NULL,
  result       jsonb NOT NULL DEFAULT '{}'::jsonb,
  log          text NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, seq)
);
`,
  },
  {
    id: '0004-pipeline-2',
    sql: `
CREATE TABLE build_schedules (
  template_file  text PRIMARY KEY,
  template_name  text NOT NULL,
  cron           text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_due_at    timestamptz,            -- the cron occurrence the last scheduled run was for
  last_run_id    text
);
`,
  },
];
