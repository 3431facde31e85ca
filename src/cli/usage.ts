import type { CommanderError } from 'commander';
import { UsageError, type UsageCode } from '../errors/index.js';

/** Commander's error codes, each as the registered usage code scripts see under --json. */
const USAGE_CODES: Readonly<Record<string, UsageCode>> = {
  'commander.unknownOption': 'USAGE_UNKNOWN_OPTION',
  'commander.unknownCommand': 'USAGE_UNKNOWN_COMMAND',
  'commander.help': 'USAGE_MISSING_COMMAND',
  'commander.missingArgument': 'USAGE_MISSING_ARGUMENT',
  'commander.missingMandatoryOptionValue': 'USAGE_MISSING_OPTION',
  'commander.optionMissingArgument': 'USAGE_MISSING_OPTION_VALUE',
  'commander.excessArguments': 'USAGE_EXCESS_ARGUMENTS',
  'commander.invalidArgument': 'USAGE_INVALID_ARGUMENT',
  'commander.conflictingOption': 'USAGE_CONFLICTING_OPTIONS',
};

/**
 * A command-line mistake commander refused, as a UsageError: its code says which mistake, `where`
 * the option or argument it names (commander quotes it), so `--json` callers get the same error
 * document as for any other error. Commander has already printed its own message and the help.
 */
export function usageError(e: CommanderError): UsageError {
  // A group called without a subcommand: commander prints the group's help and says nothing else.
  const message = e.code === 'commander.help' ? 'a subcommand is needed; the help above lists them' : e.message.replace(/^error: /, '');
  const named = /'([^']+)'/.exec(message)?.[1];
  return new UsageError(USAGE_CODES[e.code] ?? 'USAGE_INVALID', message, named === undefined ? {} : { where: named });
}
