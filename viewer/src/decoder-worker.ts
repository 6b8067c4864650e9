/** Web Worker entry: answers `DecoderRequest`s with a `DecoderCore`, one at a time. */
import { DecoderCore } from './decoder-core.ts';
import type { DecoderRequest } from './worker-protocol.ts';

const core = new DecoderCore();
const scope = self as unknown as { onmessage: ((e: MessageEvent<DecoderRequest>) => void) | null; postMessage(m: unknown, t: Transferable[]): void };
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (e) => {
  queue = queue.then(async () => {
    const { reply, transfer } = await core.handle(e.data);
    scope.postMessage(reply, transfer);
  });
};
