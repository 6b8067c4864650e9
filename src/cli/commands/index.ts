/**
 * The registry of subcommands: each module exports `register(program)`. Add one line per
 * command, in the order `lfkit --help` lists them.
 */
import type { Command } from 'commander';
import { register as registerView } from './view.ts';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerView];
