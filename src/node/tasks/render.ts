/**
 * `lfkit render` as a library call: novel views of one object from a trained run.
 *
 * Support views come from a dataset object (`object` + optional `supportViews`, default three
 * spread over its views) or from image files with a `transforms.json` of their cameras
 * (`images` + `cameras`, matched by file name, else by order). Targets are a poses file
 * (`transforms.json`, either dialect; ground truth is used when its images exist), a turntable
 * (`orbit` frames at `elevation` degrees, radius 4 by default), or by default for a dataset
 * object: the turntable plus held-out views of the object with their ground truth.
 *
 * Writes `support_<i>.png`, `view_<name>.png` or `orbit_<i>.png`, `grid.png` (row 1: support,
 * row 2: predicted, row 3: ground truth when known), `turntable.webp|gif`, and `render.json`
 * (files, sizes, PSNR against ground truth when known). Any output size works.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDataset } from '../io/open-dataset.ts';
import { decodeImage } from '../io/image.ts';
import { parseJsonFile, parseTransforms } from '../io/transforms.ts';
import { DatasetError, type PosedObject } from '../../core/data/types.ts';
import { psnr } from '../../core/metrics/metrics.ts';
import { writeJsonAtomic } from '../io/fs.ts';
import { writeAnimation, writePng } from '../io/images.ts';
import { Progress } from '../io/progress.ts';
import { CameraError, cameraFromIntrinsics, scaleCamera, toRowMajor, type Camera } from '../../core/rays/index.ts';
import { gridImage, resizeImage, type RgbImage } from '../../core/render/image-ops.ts';
import { fitSupport, renderCamera, RenderError } from '../../core/render/render.ts';
import { heldOutViews, orbitCameras, spreadViews } from '../../core/render/views.ts';
import { requireRunInfo, type LoadedRun } from '../runs/run.ts';
import { testTimeOptimize, type TtoOptions, type TtoReport } from '../../core/analysis/tto.ts';

export interface RenderRunOptions {
  out: string;
  /** Output size for orbit frames and poses (default 128; poses with ground truth: its size). */
  size?: number;
  data?: { root?: string; category?: string };
  object?: string;
  supportViews?: number[];
  images?: string[];
  cameras?: string;
  poses?: string;
  orbit?: number;
  /** Degrees above the xy-plane (default 30). */
  elevation?: number;
  radius?: number;
  format?: 'webp' | 'gif';
  quiet?: boolean;
  /**
   * Test-time optimisation before rendering (`src/analysis/tto.ts`): `steps` Adam steps on the
   * support views' pixels, Z only or (`all`) Z and a copy of the decoder. Query PSNR (targets
   * with ground truth) and support PSNR at steps 0, N/4, N/2, N go to `tto.json`.
   */
  tto?: TtoOptions & { steps: number };
}

export interface RenderedView {
  name: string;
  file: string;
  width: number;
  height: number;
  /** PSNR against the ground truth, when known. */
  psnr?: number;
}

export interface RenderRunResult {
  out: string;
  support: string[];
  views: RenderedView[];
  grid: string;
  turntable: string | null;
  files: string[];
  /** With `tto`: its report (also in `tto.json`). */
  tto?: TtoReport & { file: string };
}

interface Target {
  name: string;
  camera: Camera;
  truth: RgbImage | null;
}

/** Cameras of a transforms.json (either dialect) for images of `w x h`; names the file and frame on error. */
function transformsCameras(file: string, sizeOf: (name: string, imagePath: string) => { w: number; h: number }): { name: string; imagePath: string; camera: Camera }[] {
  if (!existsSync(file)) throw new DatasetError(`${file}: file is missing`);
  const frames = parseTransforms(parseJsonFile(readFileSync(file, 'utf8'), file), file, 'relative');
  return frames.map((fr) => {
    const { w, h } = sizeOf(fr.name, fr.imagePath);
    const k = fr.intrinsics;
    const where = `${file}: frames[${fr.index}]`;
    let fx: number, fy: number, cx: number, cy: number;
    if (k.fl_x !== undefined || k.fl_y !== undefined) {
      const W = k.w ?? w, H = k.h ?? h;
      const sx = w / W, sy = h / H;
      fx = (k.fl_x ?? k.fl_y!) * sx; fy = (k.fl_y ?? k.fl_x!) * sy;
      cx = (k.cx ?? W / 2) * sx; cy = (k.cy ?? H / 2) * sy;
    } else if (k.camera_angle_x !== undefined) {
      fx = (0.5 * w) / Math.tan(0.5 * k.camera_angle_x);
      fy = k.camera_angle_y !== undefined ? (0.5 * h) / Math.tan(0.5 * k.camera_angle_y) : fx;
      cx = w / 2; cy = h / 2;
    } else {
      throw new DatasetError(`${where}: field "camera_angle_x" is missing (and no "fl_x" either)`);
    }
    try {
      return { name: fr.name, imagePath: fr.imagePath, camera: cameraFromIntrinsics({ fx, fy, cx, cy, width: w, height: h }, toRowMajor(fr.c2w)) };
    } catch (err) {
      if (err instanceof CameraError) throw new DatasetError(`${where}: ${err.message}`);
      throw err;
    }
  });
}

/** The declared image size of a transforms.json frame's intrinsics (`w`, `h`), if any. */
function declaredSize(file: string): { w?: number; h?: number } {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8'));
    return { w: j.w ?? j.frames?.[0]?.w, h: j.h ?? j.frames?.[0]?.h };
  } catch {
    return {};
  }
}

/** Renders novel views of one object (module header). */
export async function renderRun(run: LoadedRun, opts: RenderRunOptions): Promise<RenderRunResult> {
  const size = opts.size ?? 128;
  const files: string[] = [];
  const out = opts.out;
  // --- support views
  let supportImages: RgbImage[];
  let supportCameras: Camera[];
  let supportNames: string[];
  let object: PosedObject | null = null;
  let truthObject: PosedObject | null = null;
  let supportIdx: number[] = [];
  if (opts.images) {
    if (!opts.cameras) throw new RenderError('--images needs --cameras transforms.json giving their cameras');
    const decoded = await Promise.all(opts.images.map((f) => decodeImage(f)));
    const names = opts.images.map((f) => path.basename(f).replace(/\.[^.]*$/, ''));
    const cams = transformsCameras(opts.cameras, (name) => {
      const i = names.indexOf(name);
      const d = decoded[i >= 0 ? i : 0]!;
      return { w: d.width, h: d.height };
    });
    const byName = new Map(cams.map((c) => [c.name, c.camera]));
    supportCameras = names.map((n, i) => {
      const cam = byName.get(n) ?? (cams.length === names.length ? cams[i]!.camera : undefined);
      if (!cam) throw new RenderError(`--images: ${opts.images![i]} has no frame named '${n}' in ${opts.cameras} (and the counts differ: ${names.length} images, ${cams.length} frames)`);
      const d = decoded[i]!;
      return cam.width === d.width && cam.height === d.height ? cam : scaleCamera(cam, d.width, d.height);
    });
    supportImages = decoded.map((d) => ({ data: d.image, width: d.width, height: d.height }));
    supportNames = opts.images;
  } else {
    if (!opts.object) throw new RenderError('give --object ID (with --data/--category, default: the run\'s) or --images with --cameras');
    const ds = await run.openData(opts.data);
    object = await ds.loadObject(opts.object);
    const V = object.views.length;
    supportIdx = opts.supportViews ?? spreadViews(V, Math.min(3, V - 1));
    for (const i of supportIdx) {
      if (i >= V) throw new RenderError(`--support-views: view ${i} does not exist; object ${opts.object} has views 0..${V - 1}`);
    }
    supportImages = supportIdx.map((i) => ({ data: object!.views[i]!.image, width: object!.width, height: object!.height }));
    supportCameras = supportIdx.map((i) => object!.views[i]!.camera);
    supportNames = supportIdx.map((i) => `${opts.object}/${object!.views[i]!.name}`);
  }
  const support = fitSupport(supportImages, supportCameras, run.synth.imageSize, supportNames);

  // --- targets
  const targets: Target[] = [];
  let orbitTargets: Target[] = [];
  if (opts.poses) {
    if (!existsSync(opts.poses)) throw new DatasetError(`--poses: ${opts.poses} does not exist`);
    const decl = declaredSize(opts.poses);
    // ground truth: the frames' images next to the poses file, when they exist
    const specs = parseTransforms(parseJsonFile(readFileSync(opts.poses, 'utf8'), opts.poses), opts.poses, 'relative');
    const truths = new Map<string, RgbImage>();
    for (const f of specs) {
      if (!existsSync(f.imagePath)) continue;
      const d = await decodeImage(f.imagePath);
      truths.set(f.imagePath, { data: d.image, width: d.width, height: d.height });
    }
    const frames = transformsCameras(opts.poses, (_n, imagePath) => {
      const t = truths.get(imagePath);
      const aspect = t ? t.height / t.width : decl.w && decl.h ? decl.h / decl.w : 1;
      const w = opts.size ?? t?.width ?? decl.w ?? size;
      return { w, h: Math.max(1, Math.round(w * aspect)) };
    });
    for (const f of frames) {
      let truth = truths.get(f.imagePath) ?? null;
      if (truth && (truth.width !== f.camera.width || truth.height !== f.camera.height)) truth = resizeImage(truth, f.camera.width, f.camera.height);
      targets.push({ name: f.name, camera: f.camera, truth });
    }
  } else if (object && opts.orbit === undefined) {
    // held-out views with ground truth, at the dataset's own resolution
    const ds = await openDataset((opts.data?.root ?? requireRunInfo(run).data.root), { category: opts.data?.category ?? requireRunInfo(run).data.category ?? undefined });
    truthObject = await ds.loadObject(object.id);
    for (const i of heldOutViews(truthObject.views.length, supportIdx, 4)) {
      const v = truthObject.views[i]!;
      targets.push({ name: v.name, camera: v.camera, truth: { data: v.image, width: truthObject.width, height: truthObject.height } });
    }
  }
  if (!opts.poses) {
    const frames = opts.orbit ?? 36;
    orbitTargets = orbitCameras(frames, opts.elevation ?? 30, opts.radius ?? 4, size, support.cameras[0]).map((camera, i) => ({ name: `orbit_${String(i).padStart(3, '0')}`, camera, truth: null }));
  }

  // --- render
  // Test-time optimisation (optional): fit the support views, then render from the result.
  let ttoRun: ReturnType<typeof testTimeOptimize> | null = null;
  let ttoResult: (TtoReport & { file: string }) | undefined;
  if (opts.tto) {
    const queries = targets.filter((t) => t.truth).map((t) => ({ name: t.name, camera: t.camera, truth: t.truth!.data }));
    ttoRun = testTimeOptimize(run.model, support, { ...opts.tto, queries });
    const file = path.join(out, 'tto.json');
    ttoResult = { ...ttoRun.report, file };
    writeJsonAtomic(file, { run: run.dir, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step }, support: supportNames, queries: queries.map((q) => q.name), ...ttoRun.report });
    files.push(file);
  }
  const synth = ttoRun ? ttoRun.optimizer.synthesizer() : run.synth;
  let ctx: Awaited<ReturnType<typeof synth.encode>>;
  try {
    ctx = await synth.encode(support);
  } catch (err) {
    ttoRun?.optimizer.dispose();
    throw err;
  }
  const views: RenderedView[] = [];
  const predicted: RgbImage[] = [];
  const orbitFrames: RgbImage[] = [];
  const bar = new Progress({ total: targets.length + orbitTargets.length, label: 'render', unit: 'view', quiet: opts.quiet });
  try {
    for (const t of targets) {
      const img = await renderCamera(synth, ctx, t.camera);
      const file = path.join(out, `view_${t.name}.png`);
      await writePng(file, img);
      files.push(file);
      predicted.push(img);
      views.push({ name: t.name, file, width: img.width, height: img.height, ...(t.truth ? { psnr: psnr(img.data, t.truth.data) } : {}) });
      bar.tick();
    }
    for (const t of orbitTargets) {
      const img = await renderCamera(synth, ctx, t.camera);
      const file = path.join(out, `${t.name}.png`);
      await writePng(file, img);
      files.push(file);
      orbitFrames.push(img);
      views.push({ name: t.name, file, width: img.width, height: img.height });
      bar.tick();
    }
  } finally {
    synth.dispose(ctx);
    ttoRun?.optimizer.dispose();
    bar.finish();
  }
  for (let i = 0; i < supportImages.length; i++) {
    const f = path.join(out, `support_${i}.png`);
    await writePng(f, supportImages[i]!);
    files.push(f);
  }
  // --- grid: support | predicted | ground truth
  const cell = Math.max(64, Math.min(256, size));
  const shown = targets.length ? targets.slice(0, 8) : [];
  const predRow: RgbImage[] = targets.length ? predicted.slice(0, 8) : orbitFrames.filter((_, i) => i % Math.max(1, Math.floor(orbitFrames.length / 8)) === 0).slice(0, 8);
  const rows: (RgbImage | null)[][] = [supportImages, predRow];
  if (shown.some((t) => t.truth)) rows.push(shown.map((t) => t.truth));
  const grid = path.join(out, 'grid.png');
  await writePng(grid, gridImage(rows, cell));
  files.push(grid);
  let turntable: string | null = null;
  if (orbitFrames.length) {
    turntable = path.join(out, `turntable.${opts.format ?? 'webp'}`);
    await writeAnimation(turntable, orbitFrames, Math.round(3000 / orbitFrames.length));
    files.push(turntable);
  }
  const result: RenderRunResult = { out, support: supportNames, views, grid, turntable, files, ...(ttoResult ? { tto: ttoResult } : {}) };
  writeJsonAtomic(path.join(out, 'render.json'), { run: run.dir, checkpoint: { which: run.checkpoint.which, step: run.checkpoint.state.step }, ...result });
  return result;
}
