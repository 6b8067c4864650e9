// Worker-thread entry of the synth pool: TS is not compiled ahead of time, so register tsx's
// loader in this thread first, then load the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
