import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether the test runs from dist/ (npm test) or from source (tsx). */
export const REPO_ROOT = fileURLToPath(new URL(/\/dist\//.test(import.meta.url) ? '../../../' : '../../', import.meta.url));

export interface CliResult {
  code: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  stdout: string;
  stderr: string;
}

/**
 * A function running the real `goldsmith` binary (compiled dist/, so `npx tsc -p .` first; npm test
 * does) against one data directory, on the embedded store. stdout is parsed as JSON when it is JSON.
 */
export function cliFor(home: string, env: NodeJS.ProcessEnv = {}): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/goldsmith.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GOLDSMITH_HOME: home, GOLDSMITH_DATABASE_URL: '', ...env },
      encoding: 'utf8',
    });
    let json: unknown;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = undefined;
    }
    return { code: r.status ?? -1, json, stdout: r.stdout, stderr: r.stderr };
  };
}
