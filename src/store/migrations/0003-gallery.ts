import type { Migration } from './index.js';

/** Migrations owned by this domain. Append new entries; never edit one that has landed. */
export const gallery: Migration[] = [
  {
    id: '0003-gallery-1',
    sql: `
CREATE TABLE gallery_galleries (
  id             text PRIMARY KEY,
  id_lower       text NOT NULL UNIQUE,
  subscription   text NOT NULL,
  resource_group text NOT NULL,
  name           text NOT NULL,
  location       text NOT NULL,
  description    text,
  soft_delete_retention_days integer NOT NULL DEFAULT 7,
  created_at     timestamptz NOT NULL
);
CREATE INDEX gallery_galleries_name ON gallery_galleries (lower(name));

CREATE TABLE gallery_images (
  id             text PRIMARY KEY,
  id_lower       text NOT NULL UNIQUE,
  gallery_id     text NOT NULL REFERENCES gallery_galleries (id),
  name           text NOT NULL,
  publisher      text NOT NULL,
  offer          text NOT NULL,
  sku            text NOT NULL,
  os_type        text NOT NULL,
  os_state       text NOT NULL,
  hyper_v_generation text NOT NULL,
  security_type  text,
  architecture   text NOT NULL DEFAULT 'x64',
  end_of_life_date timestamptz,
  description    text,
  created_at     timestamptz NOT NULL
);
-- Azure: the publisher/offer/sku identifier is unique within a gallery, case-insensitively.
CREATE UNIQUE INDEX gallery_images_identifier ON gallery_images (gallery_id, lower(publisher), lower(offer), lower(sku));

CREATE TABLE gallery_versions (
  id             text PRIMARY KEY,
  id_lower       text NOT NULL UNIQUE,
  image_id       text NOT NULL REFERENCES gallery_images (id),
  name           text NOT NULL,
  major          integer NOT NULL,
  minor          integer NOT NULL,
  patch          integer NOT NULL,
  location       text NOT NULL,
  exclude_from_latest boolean NOT NULL DEFAULT false,
  replica_count  integer NOT NULL DEFAULT 1,
  storage_account_type text NOT NULL DEFAULT 'Standard_LRS',
  end_of_life_date timestamptz,
  published_date timestamptz NOT NULL,
  aged_at        timestamptz,
  deleted_at     timestamptz,
  purge_after    timestamptz,
  block_deletion_before_eol boolean NOT NULL DEFAULT false,
  allow_deletion_of_replicated_locations boolean NOT NULL DEFAULT true,
  artifacts      jsonb NOT NULL DEFAULT '[]',
  tattoo         jsonb NOT NULL DEFAULT '{}',
  build_run_id   text,
  metadata       jsonb NOT NULL DEFAULT '{}',
  UNIQUE (image_id, major, minor, patch)
);
-- latest = first row of this index that passes the exclusion filters.
CREATE INDEX gallery_versions_latest ON gallery_versions (image_id, major DESC, minor DESC, patch DESC) WHERE deleted_at IS NULL;
-- Publishing ages the not-yet-aged versions below it; this keeps that an O(few) lookup, not a scan.
CREATE INDEX gallery_versions_unaged ON gallery_versions (image_id, major, minor, patch) WHERE aged_at IS NULL;
CREATE INDEX gallery_versions_purge ON gallery_versions (purge_after) WHERE deleted_at IS NOT NULL;
CREATE INDEX gallery_versions_build_run ON gallery_versions (build_run_id);

CREATE TABLE gallery_version_regions (
  version_id     text NOT NULL REFERENCES gallery_versions (id) ON DELETE CASCADE,
  region         text NOT NULL,
  ordinal        integer NOT NULL,
  replica_count  integer NOT NULL,
  exclude_from_latest boolean NOT NULL DEFAULT false,
  storage_account_type text,
  state          text NOT NULL,
  details        text,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (version_id, region)
);
CREATE INDEX gallery_version_regions_region ON gallery_version_regions (region);
`,
  },
];
