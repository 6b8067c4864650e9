/**
 * The registry of subcommands: each module exports `register(program)`. Add one line per
 * command, in the order `lfkit --help` lists them.
 */
import type { Command } from 'commander';
import { register as registerData } from './data.ts';
import { register as registerView } from './view.ts';
import { register as registerSynth } from './synth.ts';
import { register as registerTrain } from './train.ts';
import { register as registerEval } from './eval.ts';
import { register as registerRender } from './render.ts';
import { register as registerPlot } from './plot.ts';
import { register as registerSweep } from './sweep.ts';
import { register as registerBundle } from './bundle.ts';
import { register as registerDemo } from './demo.ts';
import { register as registerLocality } from './locality.ts';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [registerData, registerSynth, registerTrain, registerEval, registerRender, registerLocality, registerPlot, registerSweep, registerBundle, registerDemo, registerView];
