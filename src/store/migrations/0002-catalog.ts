import type { Migration } from './index.js';

/** Migrations owned by this domain. Append new entries; never edit one that has landed. */
export const catalog: Migration[] = [
  {
    id: '0002-catalog-1',
    sql: `
-- Base image catalog ("marketplace"): entries keyed publisher/offer/sku/version, case-insensitive
-- names as in Azure, exact version text.
CREATE TABLE catalog_entries (
  publisher       text NOT NULL,
  offer           text NOT NULL,
  sku             text NOT NULL,
  version         text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('mmdebstrap', 'import')),
  recipe          jsonb,
  recipe_digest   text,
  source          jsonb,
  artifact_digest text,
  artifact_size   bigint,
  artifact_region text,
  os              jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX catalog_entries_key ON catalog_entries (lower(publisher), lower(offer), lower(sku), version);

-- Built bases by recipe digest: a second entry (or a second call) with the same recipe reuses the artifact.
CREATE TABLE catalog_builds (
  recipe_digest   text PRIMARY KEY,
  artifact_digest text NOT NULL,
  artifact_size   bigint NOT NULL,
  region          text NOT NULL,
  os              jsonb,
  built_at        timestamptz NOT NULL DEFAULT now()
);
`,
  },
];
