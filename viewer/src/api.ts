/** Typed client of the viewer server's API (`src/viewer-server/protocol.ts`). */
import type { ApiError, ObjectDetail, ObjectList, ViewerInfo } from '../../src/viewer-server/protocol.ts';

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as T | ApiError;
  if (!res.ok) throw new Error(`${url}: ${(body as ApiError).error ?? res.statusText}`);
  return body as T;
}

export const api = {
  info: () => getJson<ViewerInfo>('api/info'),
  objects: () => getJson<ObjectList>('api/objects'),
  object: (id: string) => getJson<ObjectDetail>(`api/objects/${encodeURIComponent(id)}`),
};
