/** `src/sweep`: support-view sweeps over runs (`lfkit sweep`), and one model per count (`--train`). Node only. */
export {
  sweepRuns, sweepLabels, sweepMarkdown, sweepCsv, sweepPlotSpec, writeSweep, METHOD_NAMES, SWEEP_FORMAT, TRAIN_MEAN_SERIES,
  type SweepEntry, type SweepSettings, type SweepOptions, type SweepPoint, type SweepRunInfo, type SweepResult,
} from './sweep.ts';
export { trainSweep, sweepRunDir, isRunFinished, type TrainSweepOptions, type TrainSweepRun } from './train-sweep.ts';
