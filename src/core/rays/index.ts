/** `src/rays`: cameras, per-pixel rays and Plücker embeddings. Pure geometry, no tensors. */
export * from './camera.ts';
export * from './rays.ts';
export * from './camera-ranges.ts';
