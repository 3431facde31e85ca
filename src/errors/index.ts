/**
 * One error taxonomy for Goldsmith. Every error a user can cause or act on is a GoldsmithError
 * with a stable `code` (never reused), a message that says what is wrong, and `where` it happened
 * (a JSON pointer, a file:line, a resource id). Only the edges translate errors: the CLI to exit
 * codes, the server (later) to HTTP statuses. Expected failures (a failed check, a NonCompliant
 * resource) are result objects, not errors.
 */
export type ErrorKind = 'input' | 'not-found' | 'conflict' | 'integrity' | 'locked' | 'failed' | 'internal';

/** Exit codes the CLI uses for each kind (sysexits-inspired, stable). */
export const EXIT_CODES: Record<ErrorKind, number> = {
  input: 65, // EX_DATAERR: bad template, policy, body
  'not-found': 66, // EX_NOINPUT
  conflict: 67,
  integrity: 68, // checksum or signature mismatch
  locked: 75, // EX_TEMPFAIL: another process holds the data directory
  failed: 1, // a build or step that ran and failed
  internal: 70, // EX_SOFTWARE
};

export interface ErrorDetails {
  /** Where it happened: JSON pointer ("/customize/2/sha256"), "file.yaml:12:5", or a resource id. */
  where?: string;
  /** Extra machine-readable data (never secrets). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

export class GoldsmithError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly where?: string;
  readonly data?: Record<string, unknown>;
  constructor(code: string, kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = kind;
    this.where = details.where;
    this.data = details.data;
  }
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
  toJSON(): Record<string, unknown> {
    return { code: this.code, kind: this.kind, message: this.message, where: this.where, data: this.data };
  }
}

/** Bad user input: a template, policy, advisory, report or API body. Changes nothing. */
export class InputError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'input', message, details);
  }
}

export class NotFoundError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'not-found', message, details);
  }
}

export class ConflictError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'conflict', message, details);
  }
}

/** A digest, checksum or signature does not match. */
export class IntegrityError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'integrity', message, details);
  }
}

export class LockedError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'locked', message, details);
  }
}

/** Something ran and failed (a process, a build step). */
export class FailedError extends GoldsmithError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 'failed', message, details);
  }
}

export function isGoldsmithError(e: unknown): e is GoldsmithError {
  return e instanceof GoldsmithError;
}
