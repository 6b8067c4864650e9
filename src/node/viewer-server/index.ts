/**
 * `src/viewer-server`: the Node side of `lfkit view` (the page lives in `viewer/`).
 *
 * @example
 *   const data = await ViewerData.open('data/synth-chairs-64', 'chairs');
 *   const model = await loadViewerModel('runs/chairs');          // after initBackend()
 *   await ensureViewerBuilt();
 *   const server = await startViewerServer({ assetsDir: VIEWER_DIST, data, model });
 *   console.log(server.url); // ... await server.close();
 */
export { startViewerServer, isLoopbackHost, allowedHosts, ViewerServerError, ISOLATION_HEADERS, type ViewerServer, type ViewerServerOptions } from './server.ts';
export { ViewerData, ViewerDataError } from './dataset.ts';
export { loadViewerModel, encodeLatents, ViewerModelError, type ViewerModel, type Latents } from './model.ts';
export { ensureViewerBuilt, viewerBuildIsFresh, VIEWER_DIST } from './build.ts';
export { resolveStaticPath, type StaticTarget } from './static-path.ts';
