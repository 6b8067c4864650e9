/**
 * `lfkit plot`: training curves of a run (loss and train/val PSNR against step and time) from
 * its `metrics.jsonl`, as a PNG (vega-lite -> SVG -> sharp).
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { plotTrainingCurves, type MetricsRecord } from '../node/io/plot.ts';
import { readMetrics, readRunInfo, RunError, RUN_FILES } from '../node/runs/run-folder.ts';
import { jsonOption, userErrors } from './options.ts';

export function register(program: Command): void {
  program
    .command('plot')
    .description('plot a run\'s training curves (loss, train/val PSNR against step and time) as a PNG')
    .requiredOption('--run <dir>', 'run folder')
    .addOption(new Option('--out <file>', 'PNG file (default: <run>/curves.png)'))
    .addOption(jsonOption())
    .action(userErrors(async (flags: { run: string; out?: string; json?: boolean }) => {
      readRunInfo(flags.run);
      const records = readMetrics<MetricsRecord>(flags.run);
      if (!records.length) throw new RunError(`--run: ${path.join(flags.run, RUN_FILES.metrics)} has no records yet; train first`);
      const out = flags.out ?? path.join(flags.run, RUN_FILES.curves);
      await plotTrainingCurves(records, out, path.basename(path.resolve(flags.run)));
      if (flags.json) process.stdout.write(JSON.stringify({ out, records: records.length }) + '\n');
      else process.stdout.write(`lfkit: ${records.length} records -> ${out}\n`);
    }));
}
