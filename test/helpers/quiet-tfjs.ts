/** Vitest setup: no TensorFlow.js console advice in the test output (tests may set a backend without `initBackend`). */
import { quietTfjsConsole } from '../../src/node/backend.ts';

quietTfjsConsole();
