/**
 * The external conformance suite's data: Azure's built-in policy definitions and the official
 * SPDX 2.3 and OSV schemas, public files that are not vendored here. They are read from
 * GOLDSMITH_CONFORMANCE_DIR, or from ../shared beside the checkout (CI always has it there, and
 * .ci/run fails without it). Where neither exists, the tests that need them are skipped, and
 * scripts/test.mjs says so in one line.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const CONFORMANCE_DIR = resolve(process.env.GOLDSMITH_CONFORMANCE_DIR || join(REPO_ROOT, '../shared'));

/** Whether the conformance data is on this machine. */
export const HAS_CONFORMANCE = existsSync(CONFORMANCE_DIR);

/** The `skip` option of a test that needs the conformance data. */
export const CONFORMANCE_ONLY = { skip: HAS_CONFORMANCE ? false : `external conformance data is not at ${CONFORMANCE_DIR} (GOLDSMITH_CONFORMANCE_DIR)` };

/** A file of the conformance data (it may not exist: check HAS_CONFORMANCE). */
export const conformanceFile = (...parts: string[]): string => join(CONFORMANCE_DIR, ...parts);
