/**
 * Maps a request target to a file inside the asset folder, or refuses it. Pure (no file
 * access) so it can be tested exhaustively; `server.ts` adds a realpath check for symlinks.
 *
 * Refused: any `.` / `..` segment, raw or percent-encoded (`%2e%2e`), encoded separators
 * (`%2f`, `%5c`), backslashes, NUL, empty segments (`//etc/passwd`), drive letters and
 * malformed escapes. We refuse rather than normalise: a URL that tries to climb out of the
 * folder is an attack or a bug, never a file the page asked for.
 */
import path from 'node:path';

export type StaticTarget = { ok: true; file: string } | { ok: false; status: 400 | 403; reason: string };

/** `rawTarget` is the request line's target (`req.url`), e.g. `/assets/index.js?v=1`. */
export function resolveStaticPath(root: string, rawTarget: string): StaticTarget {
  const q = rawTarget.search(/[?#]/);
  const rawPath = q >= 0 ? rawTarget.slice(0, q) : rawTarget;
  if (!rawPath.startsWith('/')) return { ok: false, status: 400, reason: 'request target must start with /' };
  const rawSegments = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (let i = 0; i < rawSegments.length; i++) {
    const raw = rawSegments[i]!;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (seg === '' && i === rawSegments.length - 1) {
      segments.push('index.html'); // `/` or `/dir/` -> index.html
      continue;
    }
    if (seg === '') return { ok: false, status: 403, reason: 'empty path segment' };
    if (seg === '.' || seg === '..') return { ok: false, status: 403, reason: 'dot segment' };
    if (/[/\\\0]/.test(seg) || /^[a-zA-Z]:/.test(seg)) return { ok: false, status: 403, reason: 'separator or drive in a segment' };
    segments.push(seg);
  }
  const base = path.resolve(root);
  const file = path.resolve(base, ...segments);
  if (file !== base && !file.startsWith(base + path.sep)) return { ok: false, status: 403, reason: 'outside the asset folder' };
  return { ok: true, file };
}
