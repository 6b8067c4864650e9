/**
 * learnit ShapeNet (method.md section 2; the renders the paper trained on):
 *
 *   <root>/{car,chair,lamp}_splits.json          {"train": [ids], "val": [ids], "test": [ids]}
 *   <root>/{cars,chairs,lamps}/<id>/transforms.json + <basename(file_path)>.png (RGBA)
 *
 * The splits file uses the singular, the folder the plural; users may name either. Objects
 * listed in a split whose folder has no `transforms.json` (real downloads hold empty folders)
 * are skipped, counted in `skipped`, and reported by one warning per dataset.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadTransformsObject, parseJsonFile } from './transforms.ts';
import { DatasetError, type Dataset, type LoadOptions, type PosedObject } from '../../core/data/types.ts';

export interface LearnitCategory {
  /** Folder name, the user-facing category (`chairs`). */
  name: string;
  /** Singular used by the splits file (`chair`). */
  singular: string;
  folder: string;
  splitsFile: string;
  hasSplitsFile: boolean;
}

/** True for a directory (false for files, missing paths and broken links). */
export function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Does `dir` hold at least one object folder with a transforms.json (checks the first few)? */
export function holdsObjectFolders(dir: string, probe = 20): boolean {
  let names: string[];
  try { names = readdirSync(dir); } catch { return false; }
  let seen = 0;
  for (const n of names) {
    if (existsSync(path.join(dir, n, 'transforms.json'))) return true;
    if (++seen >= probe * 5) break;
  }
  return false;
}

/** Categories of a learnit root: one per `<cat>_splits.json`, plus object folders without one. */
export function learnitCategories(root: string): LearnitCategory[] {
  const entries = readdirSync(root);
  const cats: LearnitCategory[] = [];
  const folders = new Set<string>();
  for (const f of entries.sort()) {
    const m = /^(.+)_splits\.json$/.exec(f);
    if (!m) continue;
    const singular = m[1]!;
    const folderName = [`${singular}s`, singular].find((n) => isDir(path.join(root, n))) ?? `${singular}s`;
    folders.add(folderName);
    cats.push({ name: folderName, singular, folder: path.join(root, folderName), splitsFile: path.join(root, f), hasSplitsFile: true });
  }
  for (const f of entries) {
    if (folders.has(f) || !isDir(path.join(root, f)) || !holdsObjectFolders(path.join(root, f))) continue;
    const singular = f.endsWith('s') ? f.slice(0, -1) : f;
    cats.push({ name: f, singular, folder: path.join(root, f), splitsFile: path.join(root, `${singular}_splits.json`), hasSplitsFile: false });
  }
  return cats;
}

/** Finds a category by its folder name or its singular (`chairs` or `chair`); errors list the available ones. */
export function resolveLearnitCategory(root: string, cats: LearnitCategory[], category: string | undefined): LearnitCategory {
  const cat = findLearnitCategory(root, cats, category);
  if (!cat.hasSplitsFile) throw new DatasetError(`${cat.splitsFile}: splits file is missing (needed for category ${cat.name})`);
  return cat;
}

/** Finds a category by name without checking its splits file; unknown names list the available ones. */
export function findLearnitCategory(root: string, cats: LearnitCategory[], category: string | undefined): LearnitCategory {
  const list = cats.map((c) => c.name).join(', ') || '(none)';
  if (category === undefined) {
    if (cats.length !== 1) throw new DatasetError(`${root}: holds several categories (${list}); choose one with --category`);
    return cats[0]!;
  }
  const want = category.toLowerCase();
  const cat = cats.find((c) => [c.name, c.singular, `${c.singular}s`].some((n) => n.toLowerCase() === want));
  if (!cat) throw new DatasetError(`unknown category "${category}" in ${root}; available: ${list}`);
  return cat;
}

/** Reads `<cat>_splits.json`: an object of split name -> array of object ids. */
export function readSplits(file: string): Map<string, string[]> {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    throw new DatasetError(`${file}: cannot read splits file (${(err as Error).message})`);
  }
  const json = parseJsonFile(text, file);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new DatasetError(`${file}: expected an object of split name -> list of ids`);
  }
  const splits = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(json)) {
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) {
      throw new DatasetError(`${file}: field "${name}" must be an array of object id strings`);
    }
    splits.set(name, ids as string[]);
  }
  if (splits.size === 0) throw new DatasetError(`${file}: no splits (expected fields "train", "val", "test")`);
  return splits;
}

/** Error for an unknown split name, naming the known ones. */
export function unknownSplit(split: string, where: string, known: string[]): DatasetError {
  return new DatasetError(`unknown split "${split}" in ${where}; known splits: ${known.join(', ')}`);
}

/** Warns once about skipped objects (never per object: real downloads hold thousands). */
export function warnSkipped(skipped: { id: string; reason: string }[], total: number, where: string, opts: LoadOptions): void {
  if (skipped.length === 0) return;
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const reasons = [...new Set(skipped.map((s) => s.reason))].join('; ');
  warn(`lfkit: skipped ${skipped.length} of ${total} objects in ${where} (${reasons}); see dataset.skipped or \`lfkit data inspect\``);
}

/** Opens one category of a learnit ShapeNet root. */
export function openLearnit(root: string, category: string | undefined, opts: LoadOptions = {}): Dataset {
  const cat = resolveLearnitCategory(root, learnitCategories(root), category);
  const splits = readSplits(cat.splitsFile);
  const all = [...new Set([...splits.values()].flat())];
  const skipped: { id: string; reason: string }[] = [];
  const skippedIds = new Set<string>();
  for (const id of all) {
    const dir = path.join(cat.folder, id);
    if (existsSync(path.join(dir, 'transforms.json'))) continue;
    skipped.push({ id, reason: isDir(dir) ? 'no transforms.json' : 'object folder is missing' });
    skippedIds.add(id);
  }
  warnSkipped(skipped, all.length, cat.folder, opts);
  const kept = new Map([...splits].map(([k, v]) => [k, v.filter((id) => !skippedIds.has(id))]));
  return {
    root,
    format: 'learnit',
    category: cat.name,
    skipped,
    splitNames: () => [...kept.keys()],
    ids(split: string): string[] {
      const ids = kept.get(split);
      if (!ids) throw unknownSplit(split, cat.splitsFile, [...kept.keys()]);
      return [...ids];
    },
    loadObject(id: string): Promise<PosedObject> {
      return loadTransformsObject(path.join(cat.folder, id), id, 'basename', opts);
    },
  };
}
