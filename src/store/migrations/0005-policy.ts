import type { Migration } from './index.js';

/**
 * Policy definitions, initiatives, assignments, exemptions and compliance results. Definitions and
 * assignments keep their whole Azure-shaped document in `doc`; the columns beside it are what the
 * service filters and joins on. Compliance results denormalise the resource's scope, tags and image
 * version on write so roll-ups never have to open resource documents; compliance_counts holds the
 * same results pre-aggregated per dimension, maintained in the same transaction as the results.
 */
export const policy: Migration[] = [
  {
    id: '0005-policy-1',
    sql: `
CREATE TABLE policy_definitions (
  id           text PRIMARY KEY,
  id_lower     text NOT NULL UNIQUE,
  name         text NOT NULL,
  scope        text NOT NULL,              -- '' for tenant-level built-ins
  policy_type  text NOT NULL,              -- BuiltIn | Custom
  display_name text,
  mode         text,
  doc          jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE TABLE policy_set_definitions (
  id           text PRIMARY KEY,
  id_lower     text NOT NULL UNIQUE,
  name         text NOT NULL,
  scope        text NOT NULL,
  policy_type  text NOT NULL,
  display_name text,
  doc          jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE TABLE policy_assignments (
  id               text PRIMARY KEY,
  id_lower         text NOT NULL UNIQUE,
  name             text NOT NULL,
  scope            text NOT NULL,
  scope_lower      text NOT NULL,
  definition_id    text NOT NULL,          -- a policy definition or a policy set definition
  is_set           boolean NOT NULL,
  enforcement_mode text NOT NULL,          -- Default | DoNotEnforce
  doc              jsonb NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX policy_assignments_definition ON policy_assignments (definition_id);

CREATE TABLE policy_exemptions (
  id             text PRIMARY KEY,
  id_lower       text NOT NULL UNIQUE,
  name           text NOT NULL,
  scope          text NOT NULL,
  scope_lower    text NOT NULL,
  assignment_id  text NOT NULL REFERENCES policy_assignments (id) ON DELETE CASCADE,
  category       text NOT NULL,            -- Waiver | Mitigated
  expires_on     timestamptz,
  doc            jsonb NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX policy_exemptions_assignment ON policy_exemptions (assignment_id);

-- One row per (assignment, definition reference, resource). reference_id is '' for an assignment of
-- a single definition. Results go when their assignment goes.
CREATE TABLE compliance_results (
  assignment_id     text NOT NULL REFERENCES policy_assignments (id) ON DELETE CASCADE,
  reference_id      text NOT NULL,
  resource_id       text NOT NULL,
  resource_id_lower text NOT NULL,
  definition_id     text NOT NULL,
  set_definition_id text,
  resource_type     text NOT NULL,
  subscription      text,
  resource_group    text,
  team              text,
  application       text,
  image_version     text,
  role              text,
  state             text NOT NULL,
  effect            text NOT NULL,
  enforcement_mode  text NOT NULL,
  exemption_id      text,
  exemption_expired boolean NOT NULL DEFAULT false,
  reasons           jsonb NOT NULL,
  trace             jsonb,
  message           text,                  -- the assignment's non-compliance message (NonCompliant only)
  remediation_url   text,
  evaluated_at      timestamptz NOT NULL,
  PRIMARY KEY (assignment_id, reference_id, resource_id_lower)
);
CREATE INDEX compliance_results_resource ON compliance_results (resource_id_lower);
CREATE INDEX compliance_results_state ON compliance_results (state, assignment_id);
CREATE INDEX compliance_results_scope ON compliance_results (subscription, resource_group);
CREATE INDEX compliance_results_team ON compliance_results (team);
CREATE INDEX compliance_results_application ON compliance_results (application);
CREATE INDEX compliance_results_image ON compliance_results (image_version);
CREATE INDEX compliance_results_role ON compliance_results (role);
CREATE INDEX compliance_results_definition ON compliance_results (definition_id);

-- Results counted per roll-up dimension (assignment, definition, initiative, subscription,
-- resourceGroup, team, application, image, role), so a summary reads hundreds of rows, not millions.
CREATE TABLE compliance_counts (
  dimension     text NOT NULL,
  key           text NOT NULL,
  assignment_id text NOT NULL REFERENCES policy_assignments (id) ON DELETE CASCADE,
  reference_id  text NOT NULL,
  definition_id text NOT NULL,
  state         text NOT NULL,
  n             bigint NOT NULL,
  PRIMARY KEY (dimension, key, assignment_id, reference_id, state)
);

-- Compliance loads a VM's extensions and guest configuration assignments by id prefix
-- (id_lower LIKE '{vm}/%'); text_pattern_ops makes that an index range scan under any collation.
CREATE INDEX compliance_resources_id_prefix ON resources (id_lower text_pattern_ops);

-- deployIfNotExists results that are NonCompliant: what a remediation task would deploy.
CREATE TABLE compliance_remediations (
  assignment_id     text NOT NULL REFERENCES policy_assignments (id) ON DELETE CASCADE,
  reference_id      text NOT NULL,
  resource_id_lower text NOT NULL,
  resource_id       text NOT NULL,
  definition_id     text NOT NULL,
  deployment        jsonb,
  status            text NOT NULL,         -- Pending
  created_at        timestamptz NOT NULL,
  PRIMARY KEY (assignment_id, reference_id, resource_id_lower)
);
`,
  },
];
