import { CommanderError } from 'commander';
import { PRIVATE_UMASK } from '../config/index.js';
import { EXIT_CODES, isGoldsmithError } from '../errors/index.js';
import { CliContext } from './context.js';
import { buildProgram } from './program.js';

// Whatever Goldsmith writes (its data directory, exports) is for this user only unless a mode says
// otherwise; library code states its modes too, and image content keeps the image's own.
process.umask(PRIVATE_UMASK);
const ctx = new CliContext();
const program = buildProgram(ctx);
const wantsJson = process.argv.includes('--json');
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
  } else {
    code = EXIT_CODES.internal;
    process.stderr.write(`goldsmith: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  }
} finally {
  await ctx.close().catch(() => {});
}
process.exitCode = code || (process.exitCode ?? 0);
