import type { Migration } from './index.js';

/** Migrations owned by this domain. Append new entries; never edit one that has landed. */
export const supplyChain: Migration[] = [
  {
    id: '0006-supply-chain-1',
    sql: `
-- Advisories as imported (OSV records or Debian Security Tracker entries); raw keeps the source
-- document so nothing is lost when normalisation improves.
CREATE TABLE advisories (
  id          text PRIMARY KEY,
  aliases     jsonb NOT NULL DEFAULT '[]',
  source      text NOT NULL CHECK (source IN ('osv', 'debian-tracker')),
  modified    timestamptz NOT NULL,
  published   timestamptz,
  summary     text,
  raw         jsonb NOT NULL,
  imported_at timestamptz NOT NULL
);

-- Lookup by alias ("which advisories talk about CVE-2024-2961?") without scanning jsonb.
CREATE TABLE advisory_aliases (
  alias       text NOT NULL,
  advisory_id text NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
  PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases (advisory_id);

-- One row per affected[] entry: ecosystem "Debian:12", package = the SOURCE package for Debian.
CREATE TABLE advisory_affected (
  advisory_id text NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
  ordinal     integer NOT NULL,
  ecosystem   text NOT NULL,
  package     text NOT NULL,
  ranges      jsonb NOT NULL DEFAULT '[]',
  versions    jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (advisory_id, ordinal)
);
CREATE INDEX advisory_affected_package ON advisory_affected (ecosystem, package);

-- What every image version contains, from its SBOM inventory. The foreign key is checked at commit
-- so the publish transaction may index packages before or after inserting the version row.
CREATE TABLE image_packages (
  version_id     text NOT NULL REFERENCES gallery_versions (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  ecosystem      text NOT NULL,
  package        text NOT NULL,
  version        text NOT NULL,
  source         text NOT NULL,
  source_version text NOT NULL,
  arch           text NOT NULL,
  PRIMARY KEY (version_id, package, arch, version)
);
-- Blast radius reads the distinct source versions of a package first, then only the rows whose
-- version is affected; both from the index alone (INCLUDE). RPM advisories name binary packages,
-- hence the second index.
CREATE INDEX image_packages_source ON image_packages (ecosystem, source, source_version) INCLUDE (version_id, package, version, arch);
CREATE INDEX image_packages_binary ON image_packages (ecosystem, package, version) INCLUDE (version_id, source, source_version, arch);

-- VMs and scale sets by the image they reference (a version id, or a definition id for latest),
-- lower-cased as Azure compares ids: blast radius finds the VMs on affected versions without reading
-- every VM. Not partial: PostgreSQL uses an expression index's statistics only when it has no predicate.
CREATE INDEX vuln_vm_image_ref ON resources (lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}',
  doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')));

-- The emergency timeline: imported, matched, excluded, rebuilt, published … per CVE.
CREATE TABLE cve_events (
  seq   bigserial PRIMARY KEY,
  cve   text NOT NULL,
  step  text NOT NULL,
  at    timestamptz NOT NULL,
  data  jsonb
);
CREATE INDEX cve_events_cve ON cve_events (cve, at);
`,
  },
  {
    id: '0006-supply-chain-2',
    sql: `
-- Blast radius: VMs and scale sets by the gallery version they run, lower-cased: the reference when it
-- names a version, else definition + exactVersion (what a latest reference resolved to). One probe per
-- affected version instead of reading every VM on the definition. Must match VM_IMAGE_VERSION in
-- src/vuln/impact.ts character for character.
CREATE INDEX vuln_vm_image_version ON resources ((lower(CASE WHEN strpos(lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')), '/versions/') > 0
  THEN COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
  ELSE COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
    || '/versions/' || COALESCE(doc #>> '{properties,storageProfile,imageReference,exactVersion}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,exactVersion}') END)));
`,
  },
  {
    id: '0006-supply-chain-3',
    sql: `
-- The package index, normalised. Thousands of image versions share a few thousand distinct package
-- rows, so each row is stored once (package_rows) and a version holds it through a pair of integers
-- (version_packages). One row per (version, package) with the version's 110-character resource id
-- made the table and its indexes ten times larger, and blast radius moved kilobytes per version.
-- gallery_versions.seq is the integer key; its index carries what blast radius reads per version.
ALTER TABLE gallery_versions ADD COLUMN seq integer GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX gallery_versions_seq ON gallery_versions (seq) INCLUDE (image_id, name, major, minor, patch, id_lower, exclude_from_latest, deleted_at);

CREATE TABLE package_rows (
  id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ecosystem      text NOT NULL,
  package        text NOT NULL,
  version        text NOT NULL,
  source         text NOT NULL,
  source_version text NOT NULL,
  arch           text NOT NULL,
  UNIQUE (ecosystem, package, arch, version, source, source_version)
);
-- Debian advisories name source packages; RPM advisories name binaries (the unique key's prefix).
CREATE INDEX package_rows_source ON package_rows (ecosystem, source);

CREATE TABLE version_packages (
  row_id      integer NOT NULL REFERENCES package_rows (id),
  version_seq integer NOT NULL REFERENCES gallery_versions (seq) ON DELETE CASCADE,
  PRIMARY KEY (row_id, version_seq)
);
CREATE INDEX version_packages_version ON version_packages (version_seq);

INSERT INTO package_rows (ecosystem, package, version, source, source_version, arch)
  SELECT DISTINCT ecosystem, package, version, source, source_version, arch FROM image_packages;
INSERT INTO version_packages (row_id, version_seq)
  SELECT r.id, v.seq FROM image_packages p
    JOIN gallery_versions v ON v.id = p.version_id
    JOIN package_rows r ON (r.ecosystem, r.package, r.version, r.source, r.source_version, r.arch) = (p.ecosystem, p.package, p.version, p.source, p.source_version, p.arch);
DROP TABLE image_packages;

-- What each version contains, as rows: for reading and ad-hoc queries, not for blast radius.
CREATE VIEW image_packages AS
  SELECT v.id AS version_id, r.ecosystem, r.package, r.version, r.source, r.source_version, r.arch
    FROM version_packages vp JOIN package_rows r ON r.id = vp.row_id JOIN gallery_versions v ON v.seq = vp.version_seq;
`,
  },
];
