/**
 * Graceful interruption for long commands (train, sweep --train): the first SIGINT/SIGTERM
 * aborts `signal` so the loop saves a checkpoint after its current step; a second one exits at
 * once. `exitCode()` is 130 (SIGINT) or 143 (SIGTERM) once a signal arrived, else null.
 */
export interface Interruption {
  signal: AbortSignal;
  exitCode(): number | null;
  /** Removes the handlers (call in a `finally`). */
  release(): void;
}

const codeOf = (sig: NodeJS.Signals): number => (sig === 'SIGINT' ? 130 : 143);

export function interruptOnSignals(): Interruption {
  const ctl = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (received) process.exit(codeOf(sig)); // second signal: stop now
    received = sig;
    process.stderr.write(`\nlfkit: ${sig}: saving a checkpoint after this step (again to stop at once)\n`);
    ctl.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ctl.signal,
    exitCode: () => (received ? codeOf(received) : null),
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
