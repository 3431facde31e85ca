import { CommanderError } from 'commander';
import { PRIVATE_UMASK } from '../config/index.js';
import { EXIT_CODES, InternalError, isGoldsmithError, PermissionError, type GoldsmithError } from '../errors/index.js';
import { CliContext } from './context.js';
import { buildProgram } from './program.js';
import { usageError } from './usage.js';

// Whatever Goldsmith writes (its data directory, exports) is for this user only unless a mode says
// otherwise; library code states its modes too, and image content keeps the image's own.
process.umask(PRIVATE_UMASK);

const wantsJson = process.argv.includes('--json');

// A reader that stops early (`goldsmith vm list | head -1`) closes the pipe. Stop as quietly as
// SIGPIPE stops a C tool (Node ignores SIGPIPE and reports EPIPE instead), not as a bug report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

/** With --json, the error as one JSON document on stdout (the shape scripts parse for every error). */
function printJsonError(e: GoldsmithError): void {
  if (wantsJson) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
}

/**
 * End with `e`: its exit code is set before anything is written, so a closed pipe (which ends the
 * process at the write) still exits with it. `human`: also the one-line message on stderr.
 */
function fail(e: GoldsmithError, human: boolean): void {
  process.exitCode = e.exitCode;
  printJsonError(e);
  if (human) process.stderr.write(`goldsmith: error ${e.code}: ${e.message}${e.where ? `\n  at ${e.where}` : ''}\n`);
}

/**
 * The last resort: an exception that is not a GoldsmithError is a bug (bad input is meant to be
 * refused with a typed error long before this). Say so, say what happened in one line a user can
 * report, then the stack; with --json the same as an error object, so scripts still get JSON.
 */
function reportInternal(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  const hint =
    err instanceof RangeError && /call stack/i.test(err.message)
      ? ' (an input nested too deeply for a code path without a depth limit)'
      : err instanceof RangeError && /string length|array length/i.test(err.message)
        ? ' (a value grew past what this process can hold)'
        : '';
  const summary = `${err.name}: ${err.message.split('\n')[0]}${hint}`;
  printJsonError(new InternalError('INTERNAL', summary));
  process.stderr.write(`goldsmith: internal error (a bug in goldsmith; please report it with the command that caused it): ${summary}\n${err.stack ?? ''}\n`);
}

// Errors outside the awaited command (a stray promise, an event handler) end the same way, not with Node's default dump.
process.on('uncaughtException', (e) => {
  reportInternal(e);
  process.exit(EXIT_CODES.internal);
});
process.on('unhandledRejection', (e) => {
  reportInternal(e);
  process.exit(EXIT_CODES.internal);
});

function isPermissionError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return e instanceof Error && (code === 'EACCES' || code === 'EPERM') && typeof (e as NodeJS.ErrnoException).path === 'string';
}

/** Not a bug: this user may not touch that file (the data directory, the keys) — say which. */
function permissionError(e: NodeJS.ErrnoException): PermissionError {
  const message = `permission denied: cannot ${e.syscall ?? 'use'} ${e.path ?? 'a file'}; run goldsmith as the user that owns the data directory (or ask its operator)`;
  return new PermissionError('PERMISSION_DENIED', message, { where: e.path, cause: e });
}

const ctx = new CliContext();
const program = buildProgram(ctx);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  // --help and --version end here too, with exit code 0; for usage errors commander already printed the message and help.
  if (e instanceof CommanderError) {
    if (e.exitCode !== 0) fail(usageError(e), false);
  } else if (isGoldsmithError(e)) fail(e, true);
  else if (isPermissionError(e)) fail(permissionError(e), true);
  else {
    process.exitCode = EXIT_CODES.internal;
    reportInternal(e);
  }
} finally {
  await ctx.close().catch(() => {});
}
