/**
 * The learnit ShapeNet folder as the viewer reads it (method.md section 2): object list,
 * every view's camera, and view images composited on white. Objects without a
 * `transforms.json` are skipped (real downloads have empty folders), as the spec says.
 *
 * Node-only. Reads lazily and caches per object; the viewer only browses, so nothing here
 * needs the full loader's episode machinery.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { cameraFromLearnit } from '../rays/index.ts';
import { cameraToJson, type ObjectDetail, type ObjectSummary } from './protocol.ts';

export class ViewerDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewerDataError';
  }
}

interface Frame {
  file_path: string;
  transform_matrix: number[][];
}

/** A learnit-format category folder: `<root>/<category>/<id>/transforms.json` + PNGs. */
export class LearnitCategory {
  readonly category: string;
  readonly dir: string;
  private readonly splitOf = new Map<string, string>();
  private readonly detailCache = new Map<string, ObjectDetail>();
  private ids: string[] | null = null;

  /** `category` is the folder name (`chairs`) or its singular (`chair`). */
  constructor(readonly root: string, category: string) {
    const plural = category.endsWith('s') ? category : `${category}s`;
    const singular = plural.slice(0, -1);
    const dir = [path.join(root, category), path.join(root, plural)].find((d) => existsSync(d) && statSync(d).isDirectory());
    if (!dir) throw new ViewerDataError(`--category ${category}: no folder ${path.join(root, plural)}`);
    this.category = path.basename(dir);
    this.dir = dir;
    const splitsFile = path.join(root, `${singular}_splits.json`);
    if (existsSync(splitsFile)) {
      let splits: Record<string, unknown>;
      try {
        splits = JSON.parse(readFileSync(splitsFile, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new ViewerDataError(`${splitsFile}: not valid JSON (${(err as Error).message})`);
      }
      for (const [split, list] of Object.entries(splits)) {
        if (Array.isArray(list)) for (const id of list) this.splitOf.set(String(id), split);
      }
    }
  }

  /** Object ids with a `transforms.json`, sorted. Warns once about skipped empty folders. */
  objectIds(): string[] {
    if (this.ids) return this.ids;
    const all = readdirSync(this.dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    this.ids = all.filter((id) => existsSync(path.join(this.dir, id, 'transforms.json')));
    const skipped = all.length - this.ids.length;
    if (skipped > 0) process.stderr.write(`lfkit view: skipped ${skipped} object folder(s) without transforms.json in ${this.dir}\n`);
    return this.ids;
  }

  has(id: string): boolean {
    return this.objectIds().includes(id);
  }

  summaries(): ObjectSummary[] {
    return this.objectIds().map((id) => ({ id, views: this.detail(id).views.length, split: this.splitOf.get(id) ?? null }));
  }

  /** Every view's camera; image size read from the first PNG's header. */
  detail(id: string): ObjectDetail {
    const cached = this.detailCache.get(id);
    if (cached) return cached;
    if (!this.has(id)) throw new ViewerDataError(`--object ${id}: not found in ${this.dir}`);
    const file = path.join(this.dir, id, 'transforms.json');
    let json: { camera_angle_x?: unknown; frames?: unknown };
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as typeof json;
    } catch (err) {
      throw new ViewerDataError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    const angle = Number(json.camera_angle_x);
    if (!Number.isFinite(angle)) throw new ViewerDataError(`${file}: camera_angle_x is missing or not a number`);
    if (!Array.isArray(json.frames) || json.frames.length === 0) throw new ViewerDataError(`${file}: frames must be a non-empty array`);
    const frames = json.frames as Frame[];
    const first = path.join(this.dir, id, `${path.basename(String(frames[0]!.file_path))}.png`);
    const { width, height } = pngSize(first);
    const views = frames.map((f, index) => {
      const base = path.basename(String(f.file_path));
      let camera;
      try {
        camera = cameraFromLearnit(angle, f.transform_matrix, width, height);
      } catch (err) {
        throw new ViewerDataError(`${file}: frames[${index}].transform_matrix: ${(err as Error).message}`);
      }
      return {
        index,
        file: `${base}.png`,
        camera: cameraToJson(camera),
        image: `/api/objects/${encodeURIComponent(id)}/views/${index}.png`,
      };
    });
    const detail: ObjectDetail = { id, width, height, cameraAngleX: angle, views };
    this.detailCache.set(id, detail);
    return detail;
  }

  /** PNG path of view `index` of object `id` (validated against the object's frames). */
  viewFile(id: string, index: number): string {
    const d = this.detail(id);
    const v = d.views[index];
    if (!v) throw new ViewerDataError(`object ${id} has no view ${index} (it has ${d.views.length})`);
    return path.join(this.dir, id, v.file);
  }

  /** View image as PNG bytes, RGB composited on white (`rgb * a + (1 - a)`). */
  async viewPng(id: string, index: number): Promise<Buffer> {
    return sharp(this.viewFile(id, index)).flatten({ background: '#ffffff' }).png().toBuffer();
  }
}

/** Width and height from a PNG's IHDR chunk (no decode). */
function pngSize(file: string): { width: number; height: number } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    throw new ViewerDataError(`${file}: cannot read the view image`);
  }
  if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') throw new ViewerDataError(`${file}: not a PNG`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
