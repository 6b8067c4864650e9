#!/usr/bin/env node
// docs/images/viewer.png from the real viewer: `lfkit view` with no arguments (the bundled model
// on generated held-out chairs) in headless Chromium (fresh profile, no GPU), screenshot once the
// first full-size image is on screen and the page is idle.
//
//   node scripts/viewer-screenshot.mjs [--out docs/images/viewer.png]
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { register } from 'tsx/esm/api';

register();
const { openViewer } = await import('../bench/viewer-session.ts');
const { findBundledModel } = await import('../src/node/viewer-server/demo.ts');
const { PACKAGE_ROOT } = await import('../src/node/viewer-server/build.ts');

const i = process.argv.indexOf('--out');
const out = path.resolve(i > 0 ? process.argv[i + 1] : path.join(PACKAGE_ROOT, 'docs/images/viewer.png'));
if (!findBundledModel()) {
  process.stderr.write('viewer-screenshot: no bundled model under models/\n');
  process.exit(1);
}
const s = await openViewer();
try {
  await s.page.goto(s.url);
  await s.page.waitForFunction(() => window.lfkitViewer?.state().firstFullMs != null || window.lfkitViewer?.error, null, { timeout: 300_000, polling: 50 });
  const err = await s.page.evaluate(() => window.lfkitViewer.error);
  if (err) throw new Error(`viewer page: ${err}`);
  await s.page.evaluate(() => window.lfkitViewer.whenMeasured());
  await s.page.evaluate(() => window.lfkitViewer.whenIdle());
  const st = await s.page.evaluate(() => window.lfkitViewer.state());
  const tmp = `${out}.tmp-${process.pid}.png`;
  // a palette PNG: about a third of the bytes, the same picture to the eye
  writeFileSync(tmp, await sharp(await s.page.screenshot()).png({ palette: true, quality: 90, effort: 10 }).toBuffer());
  renameSync(tmp, out);
  process.stdout.write(`${path.relative(process.cwd(), out)}: ${st.object}, support views ${st.support.join(', ')}, ${st.backend}, ${st.fullSize.width}x${st.fullSize.height}\n`);
} finally {
  await s.close();
}
