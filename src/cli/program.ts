import { Command } from 'commander';
import { CliContext } from './context.js';

/** A command group registers its subcommands on the root program. One file per group. */
export type CommandGroup = (program: Command, ctx: CliContext) => void;

import { registerCommands } from './commands.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('goldsmith')
    .description('Golden VM images and VM compliance, self-hosted')
    .version('0.1.0')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program, ctx);
  return program;
}
