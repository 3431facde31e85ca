import type { Migration } from './index.js';

/** Core: the ARM-shaped resource table (one model for every resource type) and the change feed. */
export const core: Migration[] = [
  {
    id: '0001-core',
    sql: `
CREATE TABLE resources (
  id          text PRIMARY KEY,            -- Azure-style id, lower-cased for lookups in id_lower
  id_lower    text NOT NULL UNIQUE,
  type        text NOT NULL,               -- e.g. Microsoft.Compute/virtualMachines (lower-cased)
  subscription text,
  resource_group text,
  name        text NOT NULL,
  doc         jsonb NOT NULL,              -- the full ARM document
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX resources_type ON resources (type);
CREATE INDEX resources_scope ON resources (subscription, resource_group);

CREATE TABLE change_events (
  seq      bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  type     text NOT NULL,
  subject  text NOT NULL,
  data     jsonb
);
CREATE INDEX change_events_subject ON change_events (subject);
`,
  },
];
