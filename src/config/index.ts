import { resolve } from 'node:path';

/** Where Goldsmith keeps its state. Read once at the edge and passed down; cores never read env. */
export interface Config {
  /** Data directory: embedded database, artifacts, runs, keys. */
  home: string;
  /** PostgreSQL connection string; when set, the store is PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    home: resolve(env.GOLDSMITH_HOME || './.goldsmith'),
    databaseUrl: env.GOLDSMITH_DATABASE_URL || undefined,
  };
}
