import type { Migration } from './index.js';

/** Migrations owned by this domain. Append new entries; never edit one that has landed. */
export const gallery: Migration[] = [];
