/**
 * One object described by a `transforms.json` (method.md section 2): the learnit ShapeNet
 * files (`camera_angle_x` + `frames[].{file_path, transform_matrix}`) and the instant-ngp /
 * nerfstudio dialect (`fl_x, fl_y, cx, cy, w, h`, at the top level or per frame; a frame's
 * value overrides the top level). `transform_matrix` is camera-to-world in the OpenGL /
 * Blender convention in every one of them, so no axis flip happens here.
 *
 * Intrinsics refer to the declared `w x h` when given; an image of another size with the same
 * aspect ratio (a downscaled copy) gets its intrinsics scaled, a different aspect ratio is an
 * error. Lens distortion fields (`k1`, `p1`, ...) are ignored: lfkit assumes a pinhole.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CameraError, cameraFromIntrinsics, fromRowMajor, rigidPoseProblem, scaleCamera, toRowMajor, type Camera } from '../../core/rays/index.ts';
import { decodeImage, type DecodedImage } from './image.ts';
import { DatasetError, type LoadOptions, type PosedObject, type PosedView } from '../../core/data/types.ts';

/** How `file_path` names the image: learnit uses only its basename (+ `.png`); the dialect resolves it relative to the folder. */
export type FilePathRule = 'basename' | 'relative';

const NONFINITE = '\u0000lfkit-nonfinite:';
const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|avif|gif)$/i;
const INTRINSIC_KEYS = ['fl_x', 'fl_y', 'cx', 'cy', 'w', 'h', 'camera_angle_x', 'camera_angle_y'] as const;
type IntrinsicKey = (typeof INTRINSIC_KEYS)[number];

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * JSON.parse that also reads the bare `NaN` / `Infinity` Python's json module writes, turning
 * them into marked strings so the pose check can name the frame instead of failing on syntax.
 */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const patched = text.replace(/(?<=[[,:]\s*)(-?Infinity|NaN)(?=\s*[\],}])/g, (m) => JSON.stringify(NONFINITE + m));
    if (patched !== text) {
      try { return JSON.parse(patched); } catch { /* report the original error */ }
    }
    throw new DatasetError(`${file}: malformed JSON (${(first as Error).message})`);
  }
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.startsWith(NONFINITE)) return Number(v.slice(NONFINITE.length));
  return undefined;
}

/** `transform_matrix` (4 rows of 4, or 3 rows with `0 0 0 1` implied) -> column-major, or null if malformed. */
function readMatrix(m: unknown): Float64Array | null {
  if (!Array.isArray(m) || (m.length !== 4 && m.length !== 3)) return null;
  const rows: number[][] = [];
  for (const row of m) {
    if (!Array.isArray(row) || row.length !== 4) return null;
    const r = row.map(num);
    if (r.some((x) => x === undefined)) return null;
    rows.push(r as number[]);
  }
  if (rows.length === 3) rows.push([0, 0, 0, 1]);
  return fromRowMajor(rows);
}

/** One parsed frame of a transforms.json (pose checked, image not read yet). */
export interface FrameSpec {
  index: number;
  name: string;
  imagePath: string;
  c2w: Float64Array;
  intrinsics: Partial<Record<IntrinsicKey, number>>;
}

function readIntrinsics(obj: Record<string, unknown>, file: string, where: string): Partial<Record<IntrinsicKey, number>> {
  const out: Partial<Record<IntrinsicKey, number>> = {};
  for (const k of INTRINSIC_KEYS) {
    if (obj[k] === undefined) continue;
    const v = num(obj[k]);
    if (v === undefined || !Number.isFinite(v)) {
      throw new DatasetError(`${file}: ${where}field "${k}" must be a finite number, got ${JSON.stringify(obj[k])}`);
    }
    out[k] = v;
  }
  return out;
}

/** Parses and checks a transforms.json (structure, fields, poses); images are not read yet. */
export function parseTransforms(json: unknown, file: string, rule: FilePathRule): FrameSpec[] {
  const dir = path.dirname(file);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DatasetError(`${file}: expected a JSON object with a "frames" field`);
  }
  const top = json as Record<string, unknown>;
  if (top.frames === undefined) throw new DatasetError(`${file}: field "frames" is missing`);
  if (!Array.isArray(top.frames) || top.frames.length === 0) {
    throw new DatasetError(`${file}: field "frames" must be a non-empty array`);
  }
  const topK = readIntrinsics(top, file, '');
  return top.frames.map((f: unknown, index: number): FrameSpec => {
    if (f === null || typeof f !== 'object') throw new DatasetError(`${file}: frames[${index}] must be an object`);
    const frame = f as Record<string, unknown>;
    if (typeof frame.file_path !== 'string' || frame.file_path === '') {
      throw new DatasetError(`${file}: frames[${index}]: field "file_path" is missing or not a string`);
    }
    if (frame.transform_matrix === undefined) {
      throw new DatasetError(`${file}: frames[${index}]: field "transform_matrix" is missing`);
    }
    const c2w = readMatrix(frame.transform_matrix);
    if (!c2w) throw new DatasetError(`${file}: frames[${index}]: field "transform_matrix" must be a 4x4 array of numbers`);
    const problem = rigidPoseProblem(c2w);
    if (problem) throw new DatasetError(`${file}: frames[${index}] (${frame.file_path}): transform_matrix ${problem}`);
    const fp = frame.file_path;
    let imagePath: string;
    if (rule === 'basename') {
      const base = path.basename(fp.replace(/\\/g, '/'));
      imagePath = path.join(dir, IMAGE_EXT.test(base) ? base : base + '.png');
    } else {
      const rel = fp.replace(/\\/g, '/');
      imagePath = path.resolve(dir, rel);
      if (!path.extname(rel)) imagePath += '.png';
    }
    const name = path.basename(imagePath).replace(/\.[^.]*$/, '');
    const intrinsics = { ...topK, ...readIntrinsics(frame, file, `frames[${index}]: `) };
    return { index, name, imagePath, c2w, intrinsics };
  });
}

/**
 * The camera of a frame whose image file is `srcW x srcH` pixels, before any resize: `fl_x`...
 * (scaled from a declared `w x h` of the same aspect ratio) or `camera_angle_x`.
 */
export function frameCamera(fr: FrameSpec, srcW: number, srcH: number, file: string): Camera {
  const k = fr.intrinsics;
  const where = `${file}: frames[${fr.index}] (${path.basename(fr.imagePath)})`;
  let fx: number, fy: number, cx: number, cy: number;
  if (k.fl_x !== undefined || k.fl_y !== undefined) {
    const W = k.w ?? srcW;
    const H = k.h ?? srcH;
    if (Math.abs(W / H - srcW / srcH) > 0.01 * (srcW / srcH)) {
      throw new DatasetError(`${where}: image is ${srcW}x${srcH} but fields "w","h" say ${W}x${H} (different aspect ratio)`);
    }
    const sx = srcW / W, sy = srcH / H;
    fx = (k.fl_x ?? k.fl_y!) * sx;
    fy = (k.fl_y ?? k.fl_x!) * sy;
    cx = (k.cx ?? W / 2) * sx;
    cy = (k.cy ?? H / 2) * sy;
  } else if (k.camera_angle_x !== undefined) {
    const ax = k.camera_angle_x;
    if (!(ax > 0 && ax < Math.PI)) throw new DatasetError(`${where}: field "camera_angle_x" must be in (0, pi), got ${ax}`);
    fx = (0.5 * srcW) / Math.tan(0.5 * ax);
    fy = k.camera_angle_y !== undefined ? (0.5 * srcH) / Math.tan(0.5 * k.camera_angle_y) : fx;
    cx = srcW / 2;
    cy = srcH / 2;
  } else {
    throw new DatasetError(`${where}: field "camera_angle_x" is missing (and no "fl_x" either), at the top level or in the frame`);
  }
  try {
    return cameraFromIntrinsics({ fx, fy, cx, cy, width: srcW, height: srcH }, toRowMajor(fr.c2w));
  } catch (err) {
    if (err instanceof CameraError) throw new DatasetError(`${where}: ${err.message}`);
    throw err;
  }
}

/** Reads and parses `<dir>/transforms.json`. */
export async function readTransforms(dir: string, rule: FilePathRule): Promise<FrameSpec[]> {
  const file = path.join(dir, 'transforms.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // small file; sync reads are much cheaper than fs.promises on a busy machine
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? `${file}: file is missing` : `${file}: cannot read (${(err as Error).message})`);
  }
  return parseTransforms(parseJsonFile(text, file), file, rule);
}

/** Checks that every view has the same source size; names the object and the two sizes otherwise. */
export function checkSameSize(id: string, dir: string, names: string[], imgs: DecodedImage[]): void {
  const a = imgs[0]!;
  for (let i = 1; i < imgs.length; i++) {
    const b = imgs[i]!;
    if (b.srcWidth !== a.srcWidth || b.srcHeight !== a.srcHeight) {
      throw new DatasetError(
        `object ${id} (${dir}): views have different sizes: ${names[0]} is ${a.srcWidth}x${a.srcHeight}, ` +
          `${names[i]} is ${b.srcWidth}x${b.srcHeight}`,
      );
    }
  }
}

/**
 * Loads one object folder holding a `transforms.json` and its images.
 * `rule` 'basename' is learnit's (`<dir>/<basename(file_path)>.png`), 'relative' the dialect's.
 */
export async function loadTransformsObject(dir: string, id: string, rule: FilePathRule, opts: LoadOptions = {}): Promise<PosedObject> {
  const frames = await readTransforms(dir, rule);
  const file = path.join(dir, 'transforms.json');
  const imgs = await mapLimit(frames, opts.concurrency ?? 8, (fr) => decodeImage(fr.imagePath, { size: opts.size }));
  checkSameSize(id, dir, frames.map((f) => path.basename(f.imagePath)), imgs);
  const views: PosedView[] = frames.map((fr, i) => {
    const img = imgs[i]!;
    let camera = frameCamera(fr, img.srcWidth, img.srcHeight, file);
    if (img.width !== img.srcWidth || img.height !== img.srcHeight) camera = scaleCamera(camera, img.width, img.height);
    return { name: fr.name, image: img.image, alpha: img.alpha, camera };
  });
  return { id, width: imgs[0]!.width, height: imgs[0]!.height, views };
}
