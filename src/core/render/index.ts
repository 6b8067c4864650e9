/** `src/render`: novel-view rendering shared by the CLI, the evaluator and the viewer (no Node imports). */
export * from './render.ts';
export * from './image-ops.ts';
export * from './views.ts';
