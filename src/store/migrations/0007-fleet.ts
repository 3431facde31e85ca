import type { Migration } from './index.js';

/**
 * What fleet questions ask of a VM, kept beside its document as generated columns: PostgreSQL computes
 * them on every write, whichever path wrote the row, so they cannot drift from the document; reads
 * compare short text instead of walking JSON per VM. Append new entries; never edit one that has landed.
 */
export const fleet: Migration[] = [
  {
    id: '0007-fleet-1',
    sql: `
-- A tag's value as Azure reads it: tag names are case-insensitive, so the exact key first, else the
-- first key (in jsonb's key order) equal to it ignoring case. NULL for anything but an object.
CREATE FUNCTION resource_tag(p_tags jsonb, p_key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN jsonb_typeof(p_tags) = 'object' THEN
    COALESCE(p_tags ->> p_key, (SELECT t.value FROM jsonb_each_text(p_tags) t WHERE lower(t.key) = lower(p_key) LIMIT 1))
  END
$$;

-- The image a VM or scale set runs, lower-cased as Azure compares ids:
--   image_definition: the gallery image definition its reference names (with or without a version);
--   image_version: the version it runs: the reference when it names one, else definition + exactVersion,
--   which is what a latest reference resolved to (NULL while unresolved).
-- team and role: the tags fleet groups by (role lower-cased: pet, cattle).
ALTER TABLE resources
  ADD COLUMN image_definition text GENERATED ALWAYS AS (
    CASE WHEN type IN ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets') THEN
      regexp_replace(lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')), '/versions/[^/]*$', '')
    END) STORED,
  ADD COLUMN image_version text GENERATED ALWAYS AS (
    CASE WHEN type IN ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets') THEN
      lower(CASE WHEN strpos(lower(COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')), '/versions/') > 0
        THEN COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
        ELSE COALESCE(doc #>> '{properties,storageProfile,imageReference,id}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,id}')
          || '/versions/' || COALESCE(doc #>> '{properties,storageProfile,imageReference,exactVersion}', doc #>> '{properties,virtualMachineProfile,storageProfile,imageReference,exactVersion}') END)
    END) STORED,
  ADD COLUMN team text GENERATED ALWAYS AS (resource_tag(doc -> 'tags', 'team')) STORED,
  ADD COLUMN role text GENERATED ALWAYS AS (lower(resource_tag(doc -> 'tags', 'role'))) STORED;

-- The expression indexes of 0006 did this job by re-reading the document; the columns replace them.
DROP INDEX vuln_vm_image_ref;
DROP INDEX vuln_vm_image_version;
-- Blast radius counts and orders the VMs on affected versions by team, role and name from the index alone.
CREATE INDEX resources_image_version ON resources (image_version) INCLUDE (team, role, name) WHERE image_version IS NOT NULL;
CREATE INDEX resources_image_definition ON resources (image_definition) WHERE image_definition IS NOT NULL;
`,
  },
  {
    id: '0007-fleet-2',
    sql: `
-- How many VMs and scale sets run each image version, per team and role: blast radius counts these
-- rows instead of the VMs. Statement triggers on resources keep it exact for
-- every write path, in the writing transaction. version_seq joins it to gallery_versions by integer;
-- it is NULL while the version named does not exist (unknown to the gallery, or purged).
CREATE TABLE image_usage (
  image_version text NOT NULL,
  team          text,
  role          text,
  vms           integer NOT NULL,
  version_seq   integer REFERENCES gallery_versions (seq) ON DELETE SET NULL,
  CONSTRAINT image_usage_key UNIQUE NULLS NOT DISTINCT (image_version, team, role)
);
CREATE INDEX image_usage_version ON image_usage (version_seq) INCLUDE (team, role, vms) WHERE version_seq IS NOT NULL;

-- Add signed counts n to keys (v: image_version, t: team, r: role), one entry per key; rows that reach
-- zero go. Keys are written in one order, so concurrent writers queue on a shared row, never cycle.
-- A version not visible yet may be being published: wait for that (the key's advisory lock, which
-- the link trigger below takes too), then read its key with a fresh snapshot, so neither side
-- misses the other and no row is left unlinked.
CREATE FUNCTION image_usage_apply(p_v text[], p_t text[], p_r text[], p_n integer[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  emptied text[];
BEGIN
  IF p_v IS NULL THEN RETURN; END IF;
  PERFORM pg_advisory_xact_lock(7002, hashtext(k.v)) FROM (
    SELECT DISTINCT d.v FROM unnest(p_v) AS d(v)
     WHERE NOT EXISTS (SELECT 1 FROM gallery_versions g WHERE g.id_lower = d.v) ORDER BY 1) k;
  WITH up AS (
    INSERT INTO image_usage AS u (image_version, team, role, vms, version_seq)
    SELECT d.v, d.t, d.r, d.n, (SELECT g.seq FROM gallery_versions g WHERE g.id_lower = d.v)
      FROM unnest(p_v, p_t, p_r, p_n) AS d(v, t, r, n)
     ORDER BY d.v COLLATE "C", d.t COLLATE "C", d.r COLLATE "C"
    ON CONFLICT ON CONSTRAINT image_usage_key DO UPDATE SET vms = u.vms + EXCLUDED.vms
    RETURNING u.image_version, u.vms)
  SELECT array_agg(image_version) INTO emptied FROM up WHERE vms <= 0;
  IF emptied IS NOT NULL THEN
    DELETE FROM image_usage WHERE image_version = ANY(emptied) AND vms <= 0;
  END IF;
END
$fn$;

CREATE FUNCTION image_usage_on_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM image_usage_apply(array_agg(image_version), array_agg(team), array_agg(role), array_agg(n::int)) FROM (
    SELECT image_version, team, role, count(*) AS n FROM new_rows WHERE image_version IS NOT NULL GROUP BY 1, 2, 3) d;
  RETURN NULL;
END
$fn$;

-- An upsert that rewrites a VM without moving it nets out to nothing: only moved keys are written.
CREATE FUNCTION image_usage_on_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM image_usage_apply(array_agg(image_version), array_agg(team), array_agg(role), array_agg(n::int)) FROM (
    SELECT image_version, team, role, sum(n) AS n FROM (
      SELECT image_version, team, role, 1 AS n FROM new_rows WHERE image_version IS NOT NULL
      UNION ALL SELECT image_version, team, role, -1 FROM old_rows WHERE image_version IS NOT NULL) c
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0) d;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION image_usage_on_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM image_usage_apply(array_agg(image_version), array_agg(team), array_agg(role), array_agg(-n::int)) FROM (
    SELECT image_version, team, role, count(*) AS n FROM old_rows WHERE image_version IS NOT NULL GROUP BY 1, 2, 3) d;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER resources_image_usage_insert AFTER INSERT ON resources
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION image_usage_on_insert();
CREATE TRIGGER resources_image_usage_update AFTER UPDATE ON resources
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION image_usage_on_update();
CREATE TRIGGER resources_image_usage_delete AFTER DELETE ON resources
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION image_usage_on_delete();

-- A version published after VMs named it (or re-published after a purge) is linked to their rows.
CREATE FUNCTION image_usage_link_versions() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(7002, hashtext(k.id_lower)) FROM (SELECT DISTINCT id_lower FROM new_rows ORDER BY 1) k;
  UPDATE image_usage u SET version_seq = n.seq FROM new_rows n WHERE u.image_version = n.id_lower AND u.version_seq IS DISTINCT FROM n.seq;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER gallery_versions_image_usage AFTER INSERT ON gallery_versions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION image_usage_link_versions();

INSERT INTO image_usage (image_version, team, role, vms, version_seq)
SELECT r.image_version, r.team, r.role, count(*), (SELECT g.seq FROM gallery_versions g WHERE g.id_lower = r.image_version)
  FROM resources r WHERE r.image_version IS NOT NULL GROUP BY 1, 2, 3;
ANALYZE image_usage;
`,
  },
];
