import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** Every command group, in help order. Each lives in its own file under src/cli/. */
const groups: Array<(program: Command, ctx: CliContext) => void> = [];

export function registerCommands(program: Command, ctx: CliContext): void {
  for (const g of groups) g(program, ctx);
}
