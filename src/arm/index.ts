/** The Azure resource model every domain shares: ids, gallery ids and names, the `resources` table. */
export * from './id.js';
export * from './gallery-ids.js';
export * from './resource-repo.js';
