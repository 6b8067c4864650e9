/**
 * SRN ShapeNet (pixelNeRF, LFN), method.md section 2:
 *
 *   <root>/<split>/<id>/{rgb/*.png, pose/*.txt, intrinsics.txt}
 *   (also <root>/<category>_<split>/..., as in the srn_cars / srn_chairs downloads)
 *
 * `intrinsics.txt` line 1 is `f cx cy 0`, line 4 is `H W` (the size the intrinsics refer to;
 * images of another size get them scaled). A pose file holds a camera-to-world matrix in the
 * OpenCV convention, 16 numbers on one line or 4 lines of 4; `cameraFromSrn` converts it to
 * OpenGL once, here. Images and poses pair by sorted file name. Backgrounds are white.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { CameraError, cameraFromSrn, rigidPoseProblem, scaleCamera, fromRowMajor } from '../../core/rays/index.ts';
import { decodeImage } from './image.ts';
import { isDir, unknownSplit, warnSkipped } from './learnit.ts';
import { checkSameSize, mapLimit } from './transforms.ts';
import { DatasetError, type Dataset, type LoadOptions, type PosedObject, type PosedView } from '../../core/data/types.ts';

const SPLITS = ['train', 'val', 'test'];

export interface SrnSplitDir { category: string | null; split: string; dir: string }

/** `train/`, `val/`, `test/` or `<category>_<split>/` folders of a root. */
export function findSrnSplitDirs(root: string): SrnSplitDir[] {
  const out: SrnSplitDir[] = [];
  for (const n of readdirSync(root).sort()) {
    const m = /^(?:(.+)_)?(train|val|test)$/.exec(n);
    if (!m) continue;
    const dir = path.join(root, n);
    if (!isDir(dir)) continue;
    out.push({ category: m[1] ?? null, split: m[2]!, dir });
  }
  return out;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|infinity)$/i;

function parseNumbers(line: string): number[] | null {
  const toks = line.trim().split(/[\s,]+/).filter(Boolean);
  if (!toks.every((t) => NUMBER.test(t))) return null;
  return toks.map((t) => (/^[-+]?inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t)));
}

/** A pose file's 16 numbers (row-major), or a DatasetError naming the file. */
export function parseSrnPose(text: string, file: string): number[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const rows = lines.map(parseNumbers);
  if (lines.length === 1 && rows[0]?.length === 16) return rows[0];
  if (lines.length === 4 && rows.every((r) => r?.length === 4)) return rows.flat() as number[];
  throw new DatasetError(`${file}: a pose file must hold 16 numbers on one line or 4 lines of 4 numbers`);
}

/** `intrinsics.txt`: `f cx cy ...` on line 1, `H W` on line 4. */
export function parseSrnIntrinsics(text: string, file: string): { f: number; cx: number; cy: number; width: number; height: number } {
  const lines = text.split(/\r?\n/);
  const l1 = parseNumbers(lines[0] ?? '');
  if (!l1 || l1.length < 3 || !l1.slice(0, 3).every(Number.isFinite)) {
    throw new DatasetError(`${file}: line 1 must start with three numbers "f cx cy"`);
  }
  const l4 = parseNumbers(lines[3] ?? '');
  if (!l4 || l4.length !== 2 || !l4.every((x) => Number.isInteger(x) && x > 0)) {
    throw new DatasetError(`${file}: line 4 must hold the image size "H W" (two positive integers)`);
  }
  return { f: l1[0]!, cx: l1[1]!, cy: l1[2]!, height: l4[0]!, width: l4[1]! };
}

async function listFiles(dir: string, ext: RegExp, what: string): Promise<string[]> {
  let names: string[];
  try { names = await readdir(dir); } catch { throw new DatasetError(`${dir}: ${what} folder is missing`); }
  return names.filter((n) => ext.test(n)).sort();
}

/** Loads one SRN object folder. */
export async function loadSrnObject(dir: string, id: string, opts: LoadOptions = {}): Promise<PosedObject> {
  const kFile = path.join(dir, 'intrinsics.txt');
  let kText: string;
  try { kText = readFileSync(kFile, 'utf8'); } catch { throw new DatasetError(`${kFile}: file is missing`); }
  const k = parseSrnIntrinsics(kText, kFile);
  const rgbs = await listFiles(path.join(dir, 'rgb'), /\.png$/i, 'rgb');
  const poses = await listFiles(path.join(dir, 'pose'), /\.txt$/i, 'pose');
  if (rgbs.length === 0) throw new DatasetError(`${path.join(dir, 'rgb')}: no PNG images`);
  if (rgbs.length !== poses.length) {
    throw new DatasetError(`object ${id} (${dir}): ${rgbs.length} images in rgb/ but ${poses.length} pose files in pose/`);
  }
  const c2ws = poses.map((p, i) => {
    const file = path.join(dir, 'pose', p);
    const m = parseSrnPose(readFileSync(file, 'utf8'), file);
    const problem = rigidPoseProblem(fromRowMajor(m));
    if (problem) throw new DatasetError(`${file}: frame ${i}: pose ${problem}`);
    return m;
  });
  const imgs = await mapLimit(rgbs, opts.concurrency ?? 8, (n) => decodeImage(path.join(dir, 'rgb', n), { size: opts.size }));
  checkSameSize(id, dir, rgbs, imgs);
  const views: PosedView[] = imgs.map((img, i) => {
    let camera;
    try {
      camera = cameraFromSrn(k, c2ws[i]!);
    } catch (err) {
      if (err instanceof CameraError) throw new DatasetError(`${kFile} / ${poses[i]}: ${err.message}`);
      throw err;
    }
    if (img.srcWidth !== k.width || img.srcHeight !== k.height) camera = scaleCamera(camera, img.srcWidth, img.srcHeight);
    if (img.width !== img.srcWidth || img.height !== img.srcHeight) camera = scaleCamera(camera, img.width, img.height);
    return { name: rgbs[i]!.replace(/\.png$/i, ''), image: img.image, alpha: img.alpha, camera };
  });
  return { id, width: imgs[0]!.width, height: imgs[0]!.height, views };
}

/** Opens an SRN root (one category; `<category>_<split>` folders need `category` when several exist). */
export function openSrn(root: string, category: string | undefined, opts: LoadOptions = {}): Dataset {
  const all = findSrnSplitDirs(root);
  const cats = [...new Set(all.map((s) => s.category))];
  const names = cats.map((c) => c ?? '(none)').join(', ');
  let cat: string | null;
  if (category === undefined) {
    if (cats.length !== 1) throw new DatasetError(`${root}: holds several categories (${names}); choose one with --category`);
    cat = cats[0]!;
  } else {
    const want = category.toLowerCase();
    const found = cats.find((c) => c !== null && [c, c.replace(/s$/, ''), `${c.replace(/s$/, '')}s`].includes(want));
    if (found === undefined) {
      if (cats.length === 1 && cats[0] === null) cat = null; // plain train/ val/ test/: the category is the whole root
      else throw new DatasetError(`unknown category "${category}" in ${root}; available: ${names}`);
    } else cat = found;
  }
  const splitDirs = all.filter((s) => s.category === cat).sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split));
  const splits = new Map<string, string[]>();
  const dirs = new Map<string, string>();
  const skipped: { id: string; reason: string }[] = [];
  for (const s of splitDirs) {
    const ids: string[] = [];
    for (const n of readdirSync(s.dir).sort()) {
      const dir = path.join(s.dir, n);
      if (!isDir(dir)) continue;
      if (!existsSync(path.join(dir, 'intrinsics.txt'))) { skipped.push({ id: n, reason: 'no intrinsics.txt' }); continue; }
      ids.push(n);
      if (!dirs.has(n)) dirs.set(n, dir);
    }
    splits.set(s.split, ids);
  }
  warnSkipped(skipped, dirs.size + skipped.length, root, opts);
  return {
    root,
    format: 'srn',
    category: cat,
    skipped,
    splitNames: () => [...splits.keys()],
    ids(split: string): string[] {
      const ids = splits.get(split);
      if (!ids) throw unknownSplit(split, root, [...splits.keys()]);
      return [...ids];
    },
    async loadObject(id: string): Promise<PosedObject> {
      const dir = dirs.get(id);
      if (!dir) throw new DatasetError(`unknown object "${id}" in ${root}`);
      return loadSrnObject(dir, id, opts);
    },
  };
}
