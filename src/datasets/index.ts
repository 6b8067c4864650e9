/**
 * Dataset loading (Node side), docs/model.md#data. `openDataset` detects the format from the
 * folder layout; every format yields the same `PosedObject` (images composited on white,
 * cameras in the OpenGL convention of `src/rays`).
 *
 * @example
 *   const ds = await openDataset('data/shapenet', { category: 'chairs', size: 64 });
 *   const obj = await ds.loadObject(ds.ids('train')[0]);
 *   obj.views[0].image;   // Float32Array [64, 64, 3]
 */
export * from './types.ts';
export * from './episodes.ts';
export { detectFormat, openDataset, loadObjectFolder, type OpenOptions } from './open.ts';
export { decodeImage, type DecodedImage } from './image.ts';
export { learnitCategories, type LearnitCategory } from './learnit.ts';
export { parseSrnPose, parseSrnIntrinsics } from './srn.ts';
export { inspectDataset, formatInspectReport, type InspectOptions } from './inspect.ts';
