#!/usr/bin/env node
// `npm run build:viewer`: builds the page into viewer/dist with its build stamp (the same
// build `lfkit view` and the tests run when the stamp is missing or stale).
import { register } from 'tsx/esm/api';

register();
const { ensureViewerBuilt } = await import('../src/node/viewer-server/build.ts');
await ensureViewerBuilt({ force: process.argv.includes('--force'), log: (line) => process.stderr.write(`${line}\n`) });
