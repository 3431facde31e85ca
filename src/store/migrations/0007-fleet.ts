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
];
