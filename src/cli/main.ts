/**
 * The `lfkit` command line. One file per subcommand in `./commands/`; each exports a
 * `register(program)` that defines its options once (help is generated from them) and calls
 * library code: the CLI holds no logic of its own.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands.ts';
import { UserError } from './errors.ts';

export function buildProgram(): Command {
  const program = new Command('lfkit')
    .description(
      'Few-shot novel view synthesis with locality-aware generalizable light fields\n' +
        '(Lee et al., NeurIPS 2023). Give it a few posed views of an object; it renders new ones.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; exit code 0 only on success, 1 on a user error (message names the flag/file/field). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0; parse errors were already printed by commander
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof UserError) {
      process.stderr.write(`lfkit: error: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
