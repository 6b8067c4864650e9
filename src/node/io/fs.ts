/**
 * Node-only file helpers. Every write lfkit makes goes through `writeFileAtomic`: a temporary
 * name in the same folder, then a rename, so an interrupted write never leaves a half file.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** JSON written atomically; `compactArrays`: indented, but arrays of plain values on one line. */
export function writeJsonAtomic(file: string, value: unknown, opts: { compactArrays?: boolean } = {}): void {
  writeFileAtomic(file, (opts.compactArrays ? stringifyCompactArrays(value) : JSON.stringify(value, null, 2)) + '\n');
}

/**
 * `JSON.stringify(value, null, 2)`, except that an array whose items are all numbers, strings,
 * booleans or null is written on one line: per-draw figures stay readable by line and take a
 * third of the space (a model card's `card.json`). Parses to the same value.
 */
export function stringifyCompactArrays(value: unknown): string {
  // what JSON.stringify itself does with a value (toJSON, undefined, functions): one round trip
  const write = (v: unknown, indent: string): string => {
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0 || v.every((x) => x === null || typeof x !== 'object')) return JSON.stringify(v);
      return `[\n${v.map((x) => inner + write(x, inner)).join(',\n')}\n${indent}]`;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      if (entries.length === 0) return '{}';
      return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${write(x, inner)}`).join(',\n')}\n${indent}}`;
    }
    return JSON.stringify(v);
  };
  return write(JSON.parse(JSON.stringify(value) ?? 'null'), '');
}
