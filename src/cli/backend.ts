/**
 * Backend selection for the train/eval/render commands: the project's ladder
 * (`src/node/backend.ts`: tensorflow, wasm, cpu; `--backend NAME` or `LFKIT_BACKEND` forces one),
 * with its errors phrased for the `--backend` flag.
 */
import { BackendError, initBackend } from '../node/backend.ts';

export { BackendError };

/** Sets the tfjs backend and returns its name. */
export async function useBackend(name?: string): Promise<string> {
  try {
    return await initBackend(name);
  } catch (err) {
    if (err instanceof BackendError) throw new BackendError(err.message.replace(/^backend:/, '--backend:'));
    throw err;
  }
}
