/**
 * The `lfkit` command line. One file per subcommand in this folder (listed in `commands.ts`);
 * each exports a `register(program)` that defines its options once (help is generated from them)
 * and calls library code: the CLI holds no logic of its own.
 *
 * One error path: whatever fails, the CLI prints one line `lfkit: error: <what, which flag or
 * file>` and exits 1; a usage error (unknown flag, missing or malformed value) exits 2; SIGINT
 * exits 130. `LFKIT_DEBUG=1` adds the stack trace.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands.ts';
import { isUserFacing } from './options.ts';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2, sigint: 130 } as const;

/** Commander's own exits that are not errors (help, version) keep commander's code. */
const NOT_ERRORS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** A message as one line: newlines folded, very long ones cut. */
export function oneLine(message: string, max = 1000): string {
  const s = message.replace(/\s*\n\s*/g, '; ').trim();
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

export function buildProgram(): Command {
  const program = new Command('lfkit')
    .description(
      'Few-shot novel view synthesis with locality-aware generalizable light fields\n' +
        '(Lee et al., NeurIPS 2023). Give it a few posed views of an object; it renders new ones.',
    )
    .version('0.1.0')
    // commander's parse errors in the CLI's one-line form (inherited by every subcommand)
    .configureOutput({ outputError: (str, write) => write(`lfkit: ${oneLine(str)} (see --help)\n`) })
    .exitOverride();
  for (const register of COMMANDS) register(program);
  markRequired(program);
  return program;
}

/** Appends "(required)" to the help of every mandatory option. */
function markRequired(cmd: Command): void {
  for (const opt of cmd.options) if (opt.mandatory && !opt.description.endsWith('(required)')) opt.description += ' (required)';
  for (const sub of cmd.commands) markRequired(sub);
}

/** Prints `err` as the CLI's one error line (plus the stack with LFKIT_DEBUG=1); returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander printed its message already (configureOutput above)
    return NOT_ERRORS.has(err.code) ? err.exitCode : EXIT.usage;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const system = typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
  const hint = isUserFacing(e) || system || process.env.LFKIT_DEBUG === '1' ? '' : ' (LFKIT_DEBUG=1 shows where)';
  process.stderr.write(`lfkit: error: ${oneLine(e.message || e.name)}${hint}\n`);
  if (process.env.LFKIT_DEBUG === '1' && e.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}

/** Runs the CLI; sets the exit code (0 success, 1 failure, 2 usage error, 130 SIGINT). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // SIGINT with no command handling it (train and sweep save a checkpoint first): exit 130
  const onSigint = () => {
    if (process.listenerCount('SIGINT') > 1) return;
    process.stderr.write('\nlfkit: interrupted\n');
    process.exit(EXIT.sigint);
  };
  process.on('SIGINT', onSigint);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
