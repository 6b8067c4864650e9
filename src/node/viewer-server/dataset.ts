/**
 * The dataset as the viewer browses it, over `openDataset` (`src/datasets`: learnit, SRN or
 * `transforms.json` folders): the object list with splits, every view's camera, and view
 * images as PNG (composited on white by the loader). Objects are decoded on demand and a few
 * are kept (the page looks at one at a time).
 */
import sharp from 'sharp';
import { DatasetError, type Dataset, type PosedObject } from '../../core/data/types.ts';
import { openDataset } from '../io/open-dataset.ts';
import { cameraCenter } from '../../core/rays/index.ts';
import { cameraToJson, type ObjectDetail, type ObjectSummary } from '../../core/model/viewer-protocol.ts';

export class ViewerDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewerDataError';
  }
}

const KEEP_OBJECTS = 4;

export class ViewerData {
  private readonly objects = new Map<string, Promise<PosedObject>>();
  private readonly pngs = new Map<string, Promise<Buffer>>();
  private readonly list: ObjectSummary[];
  private readonly idSet: Set<string>;

  private constructor(readonly dataset: Dataset) {
    const seen = new Map<string, ObjectSummary>();
    for (const split of dataset.splitNames()) {
      for (const id of dataset.ids(split)) if (!seen.has(id)) seen.set(id, { id, split });
    }
    this.list = [...seen.values()];
    this.idSet = new Set(seen.keys());
  }

  /** Opens `root` (any format `openDataset` reads); `category` picks a learnit/SRN category. */
  static async open(root: string, category?: string, warn?: (m: string) => void): Promise<ViewerData> {
    try {
      return new ViewerData(await openDataset(root, { category, warn }));
    } catch (err) {
      if (err instanceof DatasetError) throw new ViewerDataError(err.message);
      throw err;
    }
  }

  get category(): string | null {
    return this.dataset.category;
  }

  summaries(): ObjectSummary[] {
    return this.list;
  }

  has(id: string): boolean {
    return this.idSet.has(id);
  }

  /** Every view decoded (images `[H, W, 3]` on white, cameras). Cached for a few objects. */
  async object(id: string): Promise<PosedObject> {
    if (!this.has(id)) throw new ViewerDataError(`no object '${id}' in ${this.dataset.root}`);
    let p = this.objects.get(id);
    if (!p) {
      p = this.dataset.loadObject(id).catch((err: unknown) => {
        this.objects.delete(id);
        throw err instanceof DatasetError ? new ViewerDataError(err.message) : err;
      });
      this.objects.set(id, p);
      for (const old of this.objects.keys()) {
        if (this.objects.size <= KEEP_OBJECTS) break;
        if (old !== id) {
          this.objects.delete(old);
          for (const k of this.pngs.keys()) if (k.startsWith(`${old}\0`)) this.pngs.delete(k);
        }
      }
    }
    return p;
  }

  async detail(id: string): Promise<ObjectDetail> {
    const o = await this.object(id);
    const c0 = o.views[0]!.camera;
    return {
      id,
      width: o.width,
      height: o.height,
      cameraAngleX: 2 * Math.atan((0.5 * c0.width) / c0.fx),
      views: o.views.map((v, index) => ({
        index,
        file: v.name,
        camera: cameraToJson(v.camera),
        image: `/api/objects/${encodeURIComponent(id)}/views/${index}.png`,
      })),
      radius: Math.max(...o.views.map((v) => Math.hypot(...cameraCenter(v.camera)))),
    };
  }

  /** View `index` as PNG bytes (RGB, composited on white). */
  async viewPng(id: string, index: number): Promise<Buffer> {
    const o = await this.object(id);
    const v = o.views[index];
    if (!v) throw new ViewerDataError(`object ${id} has no view ${index} (it has ${o.views.length})`);
    const key = `${id}\0${index}`;
    let p = this.pngs.get(key);
    if (!p) {
      const px = Buffer.alloc(o.width * o.height * 3);
      for (let i = 0; i < px.length; i++) px[i] = Math.round(Math.min(1, Math.max(0, v.image[i]!)) * 255);
      p = sharp(px, { raw: { width: o.width, height: o.height, channels: 3 } }).png().toBuffer();
      this.pngs.set(key, p);
    }
    return p;
  }
}
