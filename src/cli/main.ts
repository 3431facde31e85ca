import { CommanderError } from 'commander';
import { PRIVATE_UMASK } from '../config/index.js';
import { EXIT_CODES, isGoldsmithError } from '../errors/index.js';
import { CliContext } from './context.js';
import { buildProgram } from './program.js';

// Whatever Goldsmith writes (its data directory, exports) is for this user only unless a mode says
// otherwise; library code states its modes too, and image content keeps the image's own.
process.umask(PRIVATE_UMASK);

const wantsJson = process.argv.includes('--json');

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
  if (wantsJson) process.stdout.write(JSON.stringify({ error: { code: 'INTERNAL', kind: 'internal', message: summary } }, null, 2) + '\n');
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

const ctx = new CliContext();
const program = buildProgram(ctx);
let code = 0;
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    code = e.exitCode === 0 ? 0 : 64; // EX_USAGE; commander already printed the message
  } else if (isGoldsmithError(e)) {
    code = e.exitCode;
    if (wantsJson) process.stdout.write(JSON.stringify({ error: e.toJSON() }, null, 2) + '\n');
    process.stderr.write(`goldsmith: error ${e.code}: ${e.message}${e.where ? `\n  at ${e.where}` : ''}\n`);
  } else if (isPermissionError(e)) {
    // Not a bug: this user may not touch that file (the data directory, the keys) — say which.
    code = 77; // EX_NOPERM
    const message = `permission denied: cannot ${e.syscall ?? 'use'} ${e.path ?? 'a file'}; run goldsmith as the user that owns the data directory (or ask its operator)`;
    if (wantsJson) process.stdout.write(JSON.stringify({ error: { code: 'PERMISSION_DENIED', kind: 'permission', message, where: e.path } }, null, 2) + '\n');
    process.stderr.write(`goldsmith: error PERMISSION_DENIED: ${message}\n`);
  } else {
    code = EXIT_CODES.internal;
    reportInternal(e);
  }
} finally {
  await ctx.close().catch(() => {});
}
process.exitCode = code || (process.exitCode ?? 0);
