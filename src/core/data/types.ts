/**
 * The posed-view types every dataset format loads into (method.md section 2). Whatever the
 * source (learnit ShapeNet, SRN ShapeNet, an instant-ngp / nerfstudio `transforms.json`),
 * an object becomes a list of views, each an RGB image composited on white plus its camera in
 * the one lfkit convention (`src/rays`, OpenGL camera-to-world).
 *
 * Shapes: `image [H, W, 3]` and `alpha [H, W]`, row-major Float32Array, values in [0, 1].
 * Pure types, no Node imports (the viewer and the trainer share them).
 */
import type { Camera } from '../rays/index.ts';

/** One view of an object: image composited on white, its coverage and its camera. */
export interface PosedView {
  /** Image basename without extension, e.g. `r_000`. */
  name: string;
  /** `[H, W, 3]` row-major in [0, 1], composited on white: `rgb * a + (1 - a)`. */
  image: Float32Array;
  /** `[H, W]` coverage in [0, 1]; null when the PNG has no alpha channel. */
  alpha: Float32Array | null;
  /** Camera (intrinsics already scaled when the image was resized). */
  camera: Camera;
}

/** All views of one object; every view has the same `width x height`. */
export interface PosedObject {
  id: string;
  width: number;
  height: number;
  views: PosedView[];
}

/**
 * `learnit`: `<root>/<cat>_splits.json` + `<root>/<cats>/<id>/transforms.json` (the paper's data).
 * `srn`: `<root>/<split>/<id>/{rgb,pose,intrinsics.txt}` (pixelNeRF / LFN ShapeNet).
 * `transforms`: one object folder (or a folder of them) in the instant-ngp / nerfstudio dialect.
 */
export type DatasetFormat = 'learnit' | 'srn' | 'transforms';

/** A dataset opened by `openDataset`: split lists and lazy per-object loading. */
export interface Dataset {
  root: string;
  format: DatasetFormat;
  /** Category folder name (e.g. `chairs`), or null when the format has none. */
  category: string | null;
  /** Split names in a stable order, e.g. `['train', 'val', 'test']`. */
  splitNames(): string[];
  /** Object ids of a split, skipped objects excluded. Unknown split: DatasetError naming it and the known ones. */
  ids(split: string): string[];
  /** Loads (decodes) every view of one object. Bad files: DatasetError naming file and field/frame. */
  loadObject(id: string): Promise<PosedObject>;
  /** Objects skipped at open time (e.g. a folder without `transforms.json`), with the reason. */
  skipped: { id: string; reason: string }[];
}

/** Bad dataset input. The message names the file and the field or frame at fault. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Options shared by the loaders. */
export interface LoadOptions {
  /** Resize every view to `size x size` (sharp, linear filter, anti-aliased); intrinsics scale. */
  size?: number;
  /** Where warnings go (default `console.warn`); a skipped-objects warning is printed once per dataset. */
  warn?: (message: string) => void;
  /** Views decoded at once per object (default 8). */
  concurrency?: number;
}

/** One part of an inspect report: a category (learnit) or the whole dataset. */
export interface InspectSection {
  category: string | null;
  /** Objects per split (after skipping). */
  splits: Record<string, number>;
  /** Distinct objects loaded and validated. */
  objects: number;
  /** Objects that loaded without error. */
  objectsOk: number;
  /** Views per object: `{ "50": 120 }` means 120 objects have 50 views. */
  viewsPerObject: Record<string, number>;
  /** Image resolutions: `{ "128x128": 6000 }` counts views. */
  resolutions: Record<string, number>;
  skipped: { id: string; reason: string }[];
  errors: { id: string; message: string }[];
}

/** What `inspectDataset` found. `errors` is every section's errors; `ok` is `errors.length === 0`. */
export interface InspectReport {
  root: string;
  format: DatasetFormat;
  sections: InspectSection[];
  errors: { category: string | null; id: string; message: string }[];
  ok: boolean;
}
