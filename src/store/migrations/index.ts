/**
 * One ordered list of migrations for both backends. SQL here must run on PostgreSQL 15 and on
 * PGlite (Postgres 18): plain DDL, no extensions. Each domain owns one file; ids never change once landed.
 */
import { core } from './0001-core.js';
import { catalog } from './0002-catalog.js';
import { gallery } from './0003-gallery.js';
import { pipeline } from './0004-pipeline.js';
import { policy } from './0005-policy.js';
import { supplyChain } from './0006-supply-chain.js';
import { fleet } from './0007-fleet.js';
import { jobs } from './0008-jobs.js';
import { identity } from './0009-identity.js';

export interface Migration {
  id: string;
  sql: string;
}

export const migrations: readonly Migration[] = [core, catalog, gallery, pipeline, policy, supplyChain, fleet, jobs, identity].flat();
