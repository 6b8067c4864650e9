/** Runs the lfkit CLI in-process (`main(argv)`), capturing stdout, stderr and the exit code. */
import { main } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '', stderr = '';
  const ow = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => { stdout += String(s); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { stderr += String(s); return true; }) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    await main(['node', 'lfkit', ...args]);
    code = Number(process.exitCode ?? 0);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = before;
  }
  return { code, stdout, stderr };
}

/** A tiny model (image 16, patch 8, widths 16) through `--set`. */
export const TINY_SETS = [
  'model.imageSize=16', 'model.patch=8', 'model.encoderWidth=16', 'model.encoderHeads=2', 'model.encoderBlocks=1',
  'model.latentTokens=4', 'model.decoderWidth=16', 'model.fourierWidth=24', 'model.decoderHeads=2', 'train.warmupSteps=1',
].flatMap((s) => ['--set', s]);
