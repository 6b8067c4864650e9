/** Typed client of the viewer server's API (`src/core/model/viewer-protocol.ts`). */
import {
  FOREGROUND_RADIUS_HEADER, LATENT_SHAPE_HEADER, latentsUrl, renderUrl, type ApiError, type CameraJson, type ModelInfo, type ObjectDetail,
  type ObjectList, type ViewerInfo,
} from 'lfkit';

async function get(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) {
    let msg = res.statusText;
    try {
      msg = ((await res.json()) as ApiError).error ?? msg;
    } catch { /* not JSON */ }
    throw new Error(`${url}: ${msg}`);
  }
  return res;
}

async function getJson<T>(url: string): Promise<T> {
  return (await (await get(url)).json()) as T;
}

export const api = {
  info: () => getJson<ViewerInfo>('api/info'),
  objects: () => getJson<ObjectList>('api/objects'),
  object: (id: string) => getJson<ObjectDetail>(`api/objects/${encodeURIComponent(id)}`),
  model: () => getJson<ModelInfo>('api/model'),
  weights: async (m: ModelInfo) => (await get(m.weights)).arrayBuffer(),
  /**
   * Z `[1, R, d]` of object `id` encoded from the given support views (server-side encoder),
   * and the support views' bound on the object's extent (`foregroundRadius`, or null).
   */
  latents: async (id: string, support: readonly number[]): Promise<{ data: Float32Array; shape: [number, number, number]; foreground: number | null }> => {
    const res = await get(latentsUrl(id, support));
    const fg = Number(res.headers.get(FOREGROUND_RADIUS_HEADER));
    const shape = (res.headers.get(LATENT_SHAPE_HEADER) ?? '').split(',').map(Number);
    if (shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`latents: bad ${LATENT_SHAPE_HEADER} header`);
    const data = new Float32Array(await res.arrayBuffer());
    if (data.length !== shape[0]! * shape[1]! * shape[2]!) throw new Error(`latents: ${data.length} values for shape [${shape}]`);
    return { data, shape: shape as [number, number, number], foreground: fg > 0 ? fg : null };
  },
  /** The server's decoder for a small image: rgb `[h, w, 3]` (the first frame while the page's decoder starts). */
  render: async (id: string, support: readonly number[], camera: CameraJson, within: number | 'object' | 'none'): Promise<Float32Array> => {
    const res = await get(renderUrl(id, support, camera, within));
    const rgb = new Float32Array(await res.arrayBuffer());
    if (rgb.length !== camera.width * camera.height * 3) throw new Error(`render: ${rgb.length} values for ${camera.width}x${camera.height}`);
    return rgb;
  },
};
