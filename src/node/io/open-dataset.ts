/**
 * Format detection and opening (see index.ts for the overview).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { holdsObjectFolders, isDir, learnitCategories, openLearnit, unknownSplit, warnSkipped } from './learnit.ts';
import { findSrnSplitDirs, openSrn } from './srn.ts';
import { loadTransformsObject } from './transforms.ts';
import { DatasetError, type Dataset, type DatasetFormat, type LoadOptions, type PosedObject } from '../../core/data/types.ts';

export interface OpenOptions extends LoadOptions {
  /** learnit / SRN category, e.g. `chairs` (the singular `chair` works too). */
  category?: string;
}

/** Which format a folder holds, from its layout alone (no file is parsed). */
export function detectFormat(root: string): DatasetFormat {
  let st;
  try { st = statSync(root); } catch { throw new DatasetError(`${root}: dataset folder does not exist`); }
  if (!st.isDirectory()) throw new DatasetError(`${root}: not a folder`);
  if (existsSync(path.join(root, 'transforms.json'))) return 'transforms';
  const entries = readdirSync(root);
  if (entries.some((f) => /_splits\.json$/.test(f))) return 'learnit';
  if (findSrnSplitDirs(root).length > 0) return 'srn';
  if (learnitCategories(root).length > 0) return 'learnit'; // category folders without splits file: openLearnit names it
  if (holdsObjectFolders(root)) return 'transforms';
  throw new DatasetError(
    `${root}: no dataset found: expected <category>_splits.json + <categories>/<id>/transforms.json (learnit), ` +
      `train/ val/ test/ or <category>_train/ folders (SRN), or a transforms.json (one object)`,
  );
}

/**
 * Opens a dataset folder: learnit ShapeNet, SRN ShapeNet, or `transforms.json` object folders
 * (one object, or a folder of them; their only split is `all`). `size` resizes every view to
 * `size x size` with the intrinsics scaled.
 */
export async function openDataset(root: string, opts: OpenOptions = {}): Promise<Dataset> {
  if (opts.size !== undefined && !(Number.isInteger(opts.size) && opts.size > 0)) {
    throw new DatasetError(`size must be a positive integer, got ${opts.size}`);
  }
  const format = detectFormat(root);
  if (format === 'learnit') return openLearnit(root, opts.category, opts);
  if (format === 'srn') return openSrn(root, opts.category, opts);
  return openTransformsFolder(root, opts);
}

/** One object folder, or a folder of object folders, each with a transforms.json. Split: `all`. */
function openTransformsFolder(root: string, opts: LoadOptions): Dataset {
  const single = existsSync(path.join(root, 'transforms.json'));
  const dirs = new Map<string, string>();
  const skipped: { id: string; reason: string }[] = [];
  if (single) {
    dirs.set(path.basename(path.resolve(root)), root);
  } else {
    for (const n of readdirSync(root).sort()) {
      const dir = path.join(root, n);
      if (!isDir(dir)) continue;
      if (existsSync(path.join(dir, 'transforms.json'))) dirs.set(n, dir);
      else skipped.push({ id: n, reason: 'no transforms.json' });
    }
    warnSkipped(skipped, dirs.size + skipped.length, root, opts);
  }
  const ids = [...dirs.keys()];
  return {
    root,
    format: 'transforms',
    category: null,
    skipped,
    splitNames: () => ['all'],
    ids(split: string): string[] {
      if (split !== 'all') throw unknownSplit(split, root, ['all']);
      return [...ids];
    },
    async loadObject(id: string): Promise<PosedObject> {
      const dir = dirs.get(id);
      if (!dir) throw new DatasetError(`unknown object "${id}" in ${root}`);
      return loadTransformsObject(dir, id, 'relative', opts);
    },
  };
}

/**
 * Loads one object folder in the instant-ngp / nerfstudio `transforms.json` dialect ("bring
 * your own object"): `fl_x, fl_y, cx, cy, w, h` at the top level or per frame, or learnit's
 * `camera_angle_x`; `file_path` relative to the folder, `.png` appended when it has no extension.
 *
 * @example const obj = await loadObjectFolder('my-mug', { size: 64 });
 */
export async function loadObjectFolder(dir: string, opts: LoadOptions = {}): Promise<PosedObject> {
  return loadTransformsObject(dir, path.basename(path.resolve(dir)), 'relative', opts);
}
