import type { Check } from '../../template/types.js';

export type CheckStatus = 'passed' | 'failed' | 'error';

/** The outcome of one check. A failed check is a result, never an exception. */
export interface CheckResult {
  name: string;
  /** The template's check type, or 'secret-scan' for the hygiene checks that always run. */
  type: Check['type'] | 'secret-scan';
  /** passed / failed (the image is wrong) / error (the check itself could not run: bad regex, no shell). */
  status: CheckStatus;
  /** What was expected and what was found. */
  message: string;
  durationMs: number;
  /** Repair step names the template bound to this check. */
  repair?: string[];
  /** For secret-scan results: where the finding is (never the secret). */
  finding?: { path: string; rule: string; line?: number };
}

/** What a check function returns; runChecks adds name, type, timing and repair. */
export interface CheckOutcome {
  status: CheckStatus;
  message: string;
}

export const pass = (message: string): CheckOutcome => ({ status: 'passed', message });
export const fail = (message: string): CheckOutcome => ({ status: 'failed', message });
export const broken = (message: string): CheckOutcome => ({ status: 'error', message });
