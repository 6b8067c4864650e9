/**
 * Charts as PNG: a vega-lite spec is compiled to vega, rendered headless to SVG
 * (`View.toSVG`, no canvas needed) and rasterised by sharp. `trainingCurves` draws a run's
 * `metrics.jsonl`: loss and train/val PSNR against step and against wall-clock time.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from './fs.ts';

/** Renders a vega-lite spec to SVG text. */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a vega-lite spec to PNG bytes (`scale` 2 = sharper text). */
export async function vegaLiteToPng(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  const svg = await vegaLiteToSvg(spec);
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** One line of `metrics.jsonl` as the plot reads it (see `src/train/run.ts`). */
export interface MetricsRecord {
  kind: 'train' | 'val' | string;
  step: number;
  /** Seconds of training so far (summed over resumed sessions). */
  time: number;
  loss?: number;
  psnr?: number;
}

/** The training-curves chart: loss and PSNR (train, val) against step (top) and time (bottom). */
export function trainingCurvesSpec(records: readonly MetricsRecord[], title = 'training'): TopLevelSpec {
  const rows: { step: number; minutes: number; series: string; metric: string; value: number }[] = [];
  for (const r of records) {
    const minutes = r.time / 60;
    if (r.kind === 'train') {
      if (Number.isFinite(r.loss)) rows.push({ step: r.step, minutes, series: 'train', metric: 'loss (MSE)', value: r.loss! });
      if (Number.isFinite(r.psnr)) rows.push({ step: r.step, minutes, series: 'train', metric: 'PSNR (dB)', value: r.psnr! });
    } else if (r.kind === 'val' && Number.isFinite(r.psnr)) {
      rows.push({ step: r.step, minutes, series: 'val', metric: 'PSNR (dB)', value: r.psnr! });
    }
  }
  const panel = (x: 'step' | 'minutes', metric: string, logY: boolean) => ({
    width: 320,
    height: 180,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line' as const, point: x === 'step' ? false : false, strokeWidth: 1.5 },
    encoding: {
      x: { field: x, type: 'quantitative' as const, title: x === 'step' ? 'step' : 'training time (min)' },
      y: { field: 'value', type: 'quantitative' as const, title: metric, scale: logY ? { type: 'log' as const } : { zero: false } },
      color: { field: 'series', type: 'nominal' as const, title: null, scale: { domain: ['train', 'val'], range: ['#4c78a8', '#e45756'] } },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    background: 'white',
    vconcat: [
      { hconcat: [panel('step', 'loss (MSE)', true), panel('step', 'PSNR (dB)', false)] },
      { hconcat: [panel('minutes', 'loss (MSE)', true), panel('minutes', 'PSNR (dB)', false)] },
    ],
  } as TopLevelSpec;
}

/** Writes the training-curves PNG of a run's metrics. */
export async function plotTrainingCurves(records: readonly MetricsRecord[], outFile: string, title?: string): Promise<void> {
  writeFileAtomic(outFile, await vegaLiteToPng(trainingCurvesSpec(records, title)));
}
