/**
 * `lfkit data inspect <root>`: validate a dataset (learnit, SRN or transforms.json folders) by
 * loading every view of every object, and print objects per split, views per object,
 * resolution, skipped objects and errors. Exit code 1 when it finds errors.
 */
import { Option, type Command } from 'commander';
import { DatasetError } from '../core/data/types.ts';
import { formatInspectReport, inspectDataset } from '../node/tasks/inspect.ts';
import { Progress } from '../node/io/progress.ts';
import { UserError } from './errors.ts';

interface InspectFlags {
  category?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  const data = program
    .command('data')
    .description('dataset tools (learnit ShapeNet, SRN ShapeNet, transforms.json object folders)');
  data
    .command('inspect')
    .description('validate a dataset: load every view, report objects per split, views per object, resolution, skipped objects and errors (exit code 1 on errors)')
    .argument('<root>', 'dataset folder')
    .addOption(new Option('--category <name>', 'only this category (e.g. chairs or chair); default: every category'))
    .addOption(new Option('--json', 'print the report as JSON on stdout'))
    .addOption(new Option('--quiet', 'no progress bar'))
    .action(async (root: string, flags: InspectFlags) => {
      process.exitCode = await runInspect(root, flags);
    });
}

/** Runs the inspection and prints the report; returns the exit code (1 when errors were found). */
export async function runInspect(root: string, flags: InspectFlags, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  let progress: Progress | null = null;
  let report;
  try {
    report = await inspectDataset(root, {
      category: flags.category,
      onProgress: (done, total) => {
        progress ??= new Progress({ total, label: 'inspect', unit: 'objects', quiet: flags.quiet });
        progress.tick(1);
        if (done === total && process.stderr.isTTY) progress.finish(); // a TTY bar needs its newline
      },
    });
  } catch (err) {
    if (err instanceof DatasetError) throw new UserError(err.message);
    throw err;
  }
  out(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatInspectReport(report) + '\n');
  return report.ok ? 0 : 1;
}
