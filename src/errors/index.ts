/**
 * One error taxonomy for Goldsmith. Every error a user can cause or act on is a GoldsmithError
 * with a stable `code` declared in ./registry.ts (with its kind and a sentence, listed in
 * docs/errors.md), a message that says what is wrong, and `where` it happened (a JSON pointer, a
 * file:line, a resource id). Only the edges translate errors: the CLI to exit codes, the server
 * (later) to HTTP statuses, both by kind. Expected failures (a failed check, a NonCompliant
 * resource) are result objects, not errors.
 */
import { ERROR_CODES, EXIT_CODES, type CodeOfKind, type ErrorCode, type ErrorKind } from './registry.js';

export { ERROR_CODES, EXIT_CODES, errorArea, ERROR_AREAS, type CodeOfKind, type ErrorCode, type ErrorKind } from './registry.js';

export interface ErrorDetails {
  /** Where it happened: JSON pointer ("/customize/2/sha256"), "file.yaml:12:5", or a resource id. */
  where?: string;
  /** Extra machine-readable data (never secrets). */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * The codes each class accepts: those registered in ./registry.ts (ERROR_CODES) with the class's
 * kind. An unregistered code, or one of another kind, fails to compile with "not assignable to
 * parameter of type 'InputCode'" (or the class's own type): register it there first.
 */
export type UsageCode = CodeOfKind<'usage'>;
export type InputCode = CodeOfKind<'input'>;
export type NotFoundCode = CodeOfKind<'not-found'>;
export type ConflictCode = CodeOfKind<'conflict'>;
export type IntegrityCode = CodeOfKind<'integrity'>;
export type LockedCode = CodeOfKind<'locked'>;
export type PermissionCode = CodeOfKind<'permission'>;
export type FailedCode = CodeOfKind<'failed'>;
export type InternalCode = CodeOfKind<'internal'>;

/** Abstract: throw one of the subclasses, so `instanceof NotFoundError` and the kind always agree. */
export abstract class GoldsmithError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly where?: string;
  readonly data?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
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

/** The command line itself is wrong (unknown option, missing argument). */
export class UsageError extends GoldsmithError {
  declare readonly code: UsageCode;
  constructor(code: UsageCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** Bad user input: a template, policy, advisory, report or API body. Changes nothing. */
export class InputError extends GoldsmithError {
  declare readonly code: InputCode;
  constructor(code: InputCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class NotFoundError extends GoldsmithError {
  declare readonly code: NotFoundCode;
  constructor(code: NotFoundCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class ConflictError extends GoldsmithError {
  declare readonly code: ConflictCode;
  constructor(code: ConflictCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** A digest, checksum or signature does not match. */
export class IntegrityError extends GoldsmithError {
  declare readonly code: IntegrityCode;
  constructor(code: IntegrityCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export class LockedError extends GoldsmithError {
  declare readonly code: LockedCode;
  constructor(code: LockedCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** This user may not touch a file (the data directory, the keys). */
export class PermissionError extends GoldsmithError {
  declare readonly code: PermissionCode;
  constructor(code: PermissionCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** Something ran and failed (a process, a build step). */
export class FailedError extends GoldsmithError {
  declare readonly code: FailedCode;
  constructor(code: FailedCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** A bug Goldsmith noticed itself (an invariant broke); reported as such, never as the user's fault. */
export class InternalError extends GoldsmithError {
  declare readonly code: InternalCode;
  constructor(code: InternalCode, message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

export function isGoldsmithError(e: unknown): e is GoldsmithError {
  return e instanceof GoldsmithError;
}
