/**
 * The viewer's local HTTP server (node:http): the built page from one folder (`viewer/dist`)
 * and the typed API of `protocol.ts`. Nothing else: no directory listings, no files outside the
 * asset folder (`static-path.ts`), GET and HEAD only.
 *
 * Every response carries the cross-origin isolation headers (COOP `same-origin`, COEP
 * `require-corp`) so the page may use SharedArrayBuffer and WebAssembly threads.
 * Binds to 127.0.0.1 by default; a taken port is a `ViewerServerError` that says so. A request
 * whose `Host` header is not the bound address and port (or `localhost` and the port, for a
 * loopback bind) is refused with 403: a DNS-rebinding page would send its own host name.
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ViewerDataError, type ViewerData } from './dataset.ts';
import type { ViewerModel } from './model.ts';
import type { PosedObject } from '../../core/data/types.ts';
import { pluckerImage } from '../../core/rays/index.ts';
import {
  cameraFromJson, FOREGROUND_RADIUS_HEADER, LATENT_SHAPE_HEADER, MAX_SERVER_RENDER_PIXELS, type ApiError, type CameraJson, type ModelInfo,
  type ObjectList, type ViewerInfo,
} from '../../core/model/viewer-protocol.ts';
import { resolveStaticPath } from './static-path.ts';
import { foregroundRadius, raysWithin, supportByAzimuth } from '../../core/model/view-geometry.ts';

export class ViewerServerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewerServerError';
  }
}

export interface ViewerServerOptions {
  /** Folder of the built page (holds `index.html`). */
  assetsDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  data?: ViewerData | null;
  support?: number;
  initialObject?: string | null;
  model?: ViewerModel | null;
  notice?: string | null;
  version?: string;
  /**
   * Encode the first object's default support views before the page asks (default true with
   * a model and data): the page's first frame then waits only for the decoder.
   */
  warm?: boolean;
}

export interface ViewerServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/** Headers on every response (cross-origin isolation, no sniffing, same-origin resources). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\./.test(host);
}

/**
 * The `Host` header values the server answers: the bound address and port (IPv6 in brackets),
 * plus `localhost:port` for a loopback bind. A wildcard bind (`0.0.0.0`, `::`) was asked to be
 * reachable under any name, so it accepts every host (`lfkit view` warns about such binds).
 */
export function allowedHosts(address: string, port: number): Set<string> | null {
  if (address === '0.0.0.0' || address === '::') return null;
  const name = address.includes(':') ? `[${address}]` : address;
  const hosts = new Set([`${name}:${port}`.toLowerCase()]);
  if (isLoopbackHost(address)) hosts.add(`localhost:${port}`);
  return hosts;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
  res.end(head ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, head = false): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), head);
}

function apiError(res: http.ServerResponse, status: number, error: string, head = false): void {
  sendJson(res, status, { error } satisfies ApiError, head);
}

/** Parameter count from a safetensors header (no tensor decoded). */
function countParams(bytes: Uint8Array): number {
  const n = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8')) as Record<string, { shape?: number[] }>;
  let total = 0;
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__' && v.shape) total += v.shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Starts the server; resolves once it listens. */
export async function startViewerServer(opts: ViewerServerOptions): Promise<ViewerServer> {
  const host = opts.host ?? '127.0.0.1';
  const assetsRoot = realpathSync(path.resolve(opts.assetsDir));
  const data = opts.data ?? null;
  const model = opts.model ?? null;
  const modelInfo: ModelInfo | null = model && {
    run: model.runName,
    preset: model.config.preset,
    config: model.config.model,
    parameters: countParams(model.weights),
    weights: 'api/model/weights.safetensors',
    cameras: model.cameras,
  };
  // latents per (object, support set); a few are kept (the page revisits recent choices)
  interface Encoded { body: Buffer; shape: [number, number, number]; z: Float32Array; foreground: number | null }
  const latentCache = new Map<string, Encoded>();
  const encodedFor = async (id: string, obj: PosedObject, support: number[]): Promise<Encoded> => {
    const key = `${id}\0${support.join(',')}`;
    let e = latentCache.get(key);
    if (!e) {
      const views = support.map((i) => obj.views[i]!);
      const z = await model!.latents(views, obj.width, obj.height);
      e = {
        body: Buffer.from(z.data.buffer, z.data.byteOffset, z.data.byteLength),
        shape: z.shape,
        z: z.data,
        foreground: foregroundRadius(views.map((v) => ({ image: v.image, camera: v.camera }))),
      };
      latentCache.set(key, e);
      for (const k of latentCache.keys()) {
        if (latentCache.size <= 16) break;
        latentCache.delete(k);
      }
    }
    return e;
  };
  /** `?support=` checked against the object: the indices, or an error message. */
  const parseSupport = (raw: string, id: string, obj: PosedObject): number[] | string => {
    if (!/^\d+(,\d+)*$/.test(raw)) return `support: expected view indices like 0,7,19, got '${raw}'`;
    const support = raw.split(',').map(Number);
    const bad = support.find((i) => i >= obj.views.length);
    if (bad !== undefined) return `support: object ${id} has no view ${bad} (it has ${obj.views.length})`;
    if (new Set(support).size !== support.length) return 'support: a view is listed twice';
    return support;
  };
  const info = (): ViewerInfo => ({
    version: opts.version ?? '0.1.0',
    data: data ? { category: data.category, objects: data.summaries().length } : null,
    model: modelInfo,
    support: opts.support ?? 3,
    initialObject: opts.initialObject ?? null,
    notice: opts.notice ?? (!data
      ? 'No dataset: start the viewer with --data ROOT (and --category C) to browse objects.'
      : !model
        ? 'No model: only the support views are shown. Start the viewer with --run DIR to see the object rendered from them.'
        : null),
  });

  async function handleApi(parts: string[], query: URLSearchParams, res: http.ServerResponse, head: boolean): Promise<void> {
    // parts: path segments after `api`, already percent-decoded
    if (parts.length === 1 && parts[0] === 'info') return sendJson(res, 200, info(), head);
    if (parts[0] === 'model') {
      if (!model || !modelInfo) return apiError(res, 404, 'no model loaded (start with --run DIR)', head);
      if (parts.length === 1) return sendJson(res, 200, modelInfo, head);
      if (parts.length === 2 && parts[1] === 'weights.safetensors') return send(res, 200, 'application/octet-stream', Buffer.from(model.weights), head);
      return apiError(res, 404, `unknown API route /api/${parts.join('/')}`, head);
    }
    if (parts[0] !== 'objects') return apiError(res, 404, `unknown API route /api/${parts.join('/')}`, head);
    if (!data) return apiError(res, 404, 'no dataset loaded (start with --data ROOT --category C)', head);
    if (parts.length === 1) {
      const list: ObjectList = { category: data.category, objects: data.summaries() };
      return sendJson(res, 200, list, head);
    }
    const id = parts[1]!;
    if (!data.has(id)) return apiError(res, 404, `no object '${id}' in the dataset`, head);
    if (parts.length === 2) return sendJson(res, 200, await data.detail(id), head);
    if (parts.length === 3 && (parts[2] === 'latents' || parts[2] === 'render')) {
      if (!model) return apiError(res, 404, 'no model loaded (start with --run DIR)', head);
      const obj = await data.object(id);
      const support = parseSupport(query.get('support') ?? '', id, obj);
      if (typeof support === 'string') return apiError(res, 400, support, head);
      if (parts[2] === 'render') {
        let cam;
        try {
          cam = cameraFromJson(JSON.parse(query.get('camera') ?? '') as CameraJson);
        } catch (err) {
          return apiError(res, 400, `camera: expected a camera as JSON (${(err as Error).message})`, head);
        }
        const n = cam.width * cam.height;
        if (!(Number.isInteger(cam.width) && Number.isInteger(cam.height) && cam.width > 0 && cam.height > 0 && n <= MAX_SERVER_RENDER_PIXELS)
          || ![cam.fx, cam.fy, cam.cx, cam.cy, ...cam.c2w].every(Number.isFinite)) {
          return apiError(res, 400, `camera: width x height must be whole, at most ${MAX_SERVER_RENDER_PIXELS} pixels, every value finite`, head);
        }
        const w = query.get('within') ?? 'object';
        if (!(w === 'object' || w === 'none' || Number(w) > 0)) return apiError(res, 400, `within: expected a positive number, object or none, got '${w}'`, head);
        const e = await encodedFor(id, obj, support);
        const within = w === 'none' ? null : w === 'object' ? (e.foreground === null ? null : e.foreground * model.config.model.originScale) : Number(w);
        const rays = pluckerImage(cam, model.config.model.originScale);
        const index = new Int32Array(n);
        const m = raysWithin(rays, n, within, index);
        const todo = new Float32Array(m * 6);
        for (let k = 0; k < m; k++) todo.set(rays.subarray(index[k]! * 6, index[k]! * 6 + 6), k * 6);
        const out = m > 0 ? model.render({ data: e.z, shape: e.shape }, todo) : new Float32Array(0);
        const rgb = new Float32Array(n * 3).fill(1); // background: white (docs/datasets.md)
        for (let k = 0; k < m; k++) rgb.set(out.subarray(k * 3, k * 3 + 3), index[k]! * 3);
        return send(res, 200, 'application/octet-stream', Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), head);
      }
      const e = await encodedFor(id, obj, support);
      res.writeHead(200, {
        ...ISOLATION_HEADERS,
        'Content-Type': 'application/octet-stream',
        'Content-Length': e.body.length,
        'Cache-Control': 'no-cache',
        [LATENT_SHAPE_HEADER]: e.shape.join(','),
        [FOREGROUND_RADIUS_HEADER]: e.foreground === null ? 'none' : String(e.foreground),
      });
      return void res.end(head ? undefined : e.body);
    }
    const m = parts.length === 4 && parts[2] === 'views' ? /^(\d+)\.png$/.exec(parts[3]!) : null;
    if (!m) return apiError(res, 404, `unknown API route /api/${parts.join('/')}`, head);
    const png = await data.viewPng(id, Number(m[1]));
    return send(res, 200, 'image/png', png, head);
  }

  function handleStatic(req: http.IncomingMessage, res: http.ServerResponse, head: boolean): void {
    const target = resolveStaticPath(assetsRoot, req.url ?? '/');
    if (!target.ok) return send(res, target.status, 'text/plain; charset=utf-8', `refused: ${target.reason}\n`, head);
    let file = target.file;
    let st;
    try {
      // realpath: a symlink inside the folder must not lead outside it
      file = realpathSync(file);
      if (file !== assetsRoot && !file.startsWith(assetsRoot + path.sep)) {
        return send(res, 403, 'text/plain; charset=utf-8', 'refused: outside the asset folder\n', head);
      }
      st = statSync(file);
    } catch {
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
    }
    if (!st.isFile()) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    // hashed asset names never change; index.html and the rest are revalidated
    const immutable = /[\\/]assets[\\/]/.test(file);
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': type,
      'Content-Length': st.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (head) return void res.end();
    createReadStream(file).pipe(res);
  }

  let hosts: Set<string> | null = new Set(); // set once listening
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (hosts && !hosts.has((req.headers.host ?? '').toLowerCase())) {
      return send(res, 403, 'text/plain; charset=utf-8', `refused: Host '${req.headers.host ?? ''}' is not this server's address\n`, head);
    }
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { ...ISOLATION_HEADERS, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('method not allowed\n');
    }
    const url = req.url ?? '/';
    if (url === '/api' || url.startsWith('/api/')) {
      const [pathPart, queryPart = ''] = url.split('#')[0]!.split('?', 2) as [string, string?];
      const raw = pathPart.split('/').slice(2);
      const query = new URLSearchParams(queryPart);
      let parts: string[];
      try {
        parts = raw.map((s) => decodeURIComponent(s));
      } catch {
        return apiError(res, 400, 'malformed percent-encoding', head);
      }
      handleApi(parts, query, res, head).catch((err: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (err instanceof ViewerDataError) return apiError(res, 404, err.message, head);
        if ((err as Error).name === 'RenderError') return apiError(res, 400, (err as Error).message, head);
        process.stderr.write(`lfkit view: ${(err as Error).stack ?? String(err)}\n`);
        apiError(res, 500, (err as Error).message, head);
      });
      return;
    }
    handleStatic(req, res, head);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') {
        reject(new ViewerServerError(
          `port ${opts.port} on ${host} is already in use (another lfkit view?): choose another with --port N, or --port 0 for any free port`,
        ));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new ViewerServerError(`--host ${host}: not an address of this machine (${err.code})`));
      } else if (err.code === 'EACCES') {
        reject(new ViewerServerError(`--port ${opts.port}: permission denied (ports below 1024 need privileges)`));
      } else {
        reject(err);
      }
    };
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  hosts = allowedHosts(addr.address, addr.port);
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  if (model && data && opts.warm !== false) {
    // the first object's default support views, encoded while the page loads (errors surface
    // again when the page asks for them)
    const first = opts.initialObject ?? data.summaries()[0]?.id;
    if (first) {
      setTimeout(() => {
        data.object(first)
          .then((obj) => encodedFor(first, obj, supportByAzimuth(obj.views.map((v) => v.camera), opts.support ?? 3)))
          .catch(() => {});
      }, 0);
    }
  }
  return {
    url: `http://${urlHost}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
