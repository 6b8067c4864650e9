/**
 * `datasets/`: the procedural ShapeNet-like benchmark and mesh rendering, in the learnit
 * format (Node only). The driver that writes a whole dataset folder (`lfkit synth`) is
 * `src/node/tasks/synth.ts`. See README "Procedural benchmark (lfkit synth)".
 */
export { OBJECT_RADIUS, MeshBuilder, normalizeMesh, type TriMesh } from './geometry.ts';
export { buildRenderMesh, renderView, DEFAULT_LIGHTING, type RenderMesh, type RenderOptions, type Lighting } from './render.ts';
export { chairMesh, carMesh, lampMesh, synthMesh, SYNTH_CATEGORIES, GENERATOR_VERSION, type SynthCategory } from './shapes.ts';
export { loadMeshFile, MeshFileError, MESH_EXTENSIONS, type UpAxis } from './mesh-io.ts';
export { CAMERA_RADIUS, runObjectJob, objectSeed, type ObjectJob, type ObjectResult } from './job.ts';
export { runJobs, SynthJobError } from './pool.ts';
export { drawLook, LOOK_FAMILIES, BROAD_CAMERAS, HELDOUT_HUES, type Look, type LookFamily } from './looks.ts';
export { RECIPES, DEFAULT_ELEVATION_DEG, DEFAULT_FOV, DEFAULT_SPP, type SynthRecipe } from './recipes.ts';
export { writeContactSheet, type ContactSheetOptions } from './preview.ts';
