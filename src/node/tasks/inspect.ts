/**
 * `inspectDataset`: validate a whole dataset by loading every view of every object, and
 * summarise it (objects per split, views per object, resolutions, skipped objects, errors).
 * Bad objects never throw: their errors are collected. Only a root that holds no dataset, or
 * an unknown category, throws (a DatasetError the CLI prints).
 */
import { findLearnitCategory, learnitCategories, openLearnit } from '../io/learnit.ts';
import { findSrnSplitDirs, openSrn } from '../io/srn.ts';
import { mapLimit } from '../io/transforms.ts';
import { DatasetError, type Dataset, type InspectReport, type InspectSection } from '../../core/data/types.ts';
import { detectFormat, openDataset } from '../io/open-dataset.ts';

export interface InspectOptions {
  /** Only this category (learnit / SRN); by default every category of the root. */
  category?: string;
  /** Objects validated at once (default 2). */
  concurrency?: number;
  /** Called after each object with (done, total) across all sections. */
  onProgress?: (done: number, total: number) => void;
}

function emptySection(category: string | null): InspectSection {
  return { category, splits: {}, objects: 0, objectsOk: 0, viewsPerObject: {}, resolutions: {}, skipped: [], errors: [] };
}

/** Validates every object of a dataset (all categories unless one is named). */
export async function inspectDataset(root: string, opts: InspectOptions = {}): Promise<InspectReport> {
  const format = detectFormat(root);
  const quiet = { warn: () => {} };
  // one opener per section; a dataset-level failure (missing splits file) becomes that section's error
  const openers: { category: string | null; open: () => Dataset }[] = [];
  if (format === 'learnit') {
    const cats = learnitCategories(root);
    const chosen = opts.category !== undefined ? [findLearnitCategory(root, cats, opts.category)] : cats;
    for (const c of chosen) openers.push({ category: c.name, open: () => openLearnit(root, c.name, quiet) });
  } else if (format === 'srn') {
    const cats = [...new Set(findSrnSplitDirs(root).map((s) => s.category))];
    if (opts.category !== undefined || cats.length === 1) {
      const ds = openSrn(root, opts.category, quiet); // throws for an unknown category
      openers.push({ category: ds.category, open: () => ds });
    } else {
      for (const c of cats) openers.push({ category: c, open: () => openSrn(root, c ?? undefined, quiet) });
    }
  } else {
    const ds = await openDataset(root, quiet);
    openers.push({ category: null, open: () => ds });
  }

  const opened: { section: InspectSection; ds: Dataset | null; ids: string[] }[] = [];
  for (const o of openers) {
    const section = emptySection(o.category);
    try {
      const ds = o.open();
      section.skipped = ds.skipped;
      const ids = new Set<string>();
      for (const s of ds.splitNames()) {
        const list = ds.ids(s);
        section.splits[s] = list.length;
        for (const id of list) ids.add(id);
      }
      opened.push({ section, ds, ids: [...ids] });
    } catch (err) {
      if (!(err instanceof DatasetError)) throw err;
      section.errors.push({ id: '-', message: err.message });
      opened.push({ section, ds: null, ids: [] });
    }
  }

  const total = opened.reduce((n, o) => n + o.ids.length, 0);
  let done = 0;
  for (const { section, ds, ids } of opened) {
    if (!ds) continue;
    await mapLimit(ids, opts.concurrency ?? 2, async (id) => {
      section.objects++;
      try {
        const obj = await ds.loadObject(id);
        section.objectsOk++;
        const nv = String(obj.views.length);
        section.viewsPerObject[nv] = (section.viewsPerObject[nv] ?? 0) + 1;
        const res = `${obj.width}x${obj.height}`;
        section.resolutions[res] = (section.resolutions[res] ?? 0) + obj.views.length;
      } catch (err) {
        section.errors.push({ id, message: (err as Error).message });
      }
      opts.onProgress?.(++done, total);
    });
    section.errors.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  const sections = opened.map((o) => o.section);
  const errors = sections.flatMap((s) => s.errors.map((e) => ({ category: s.category, ...e })));
  return { root, format, sections, errors, ok: errors.length === 0 };
}

function counts(rec: Record<string, number>, unit: string): string {
  const keys = Object.keys(rec);
  if (keys.length === 0) return '-';
  return keys.sort((a, b) => Number.parseInt(a) - Number.parseInt(b)).map((k) => `${k} (${rec[k]} ${unit})`).join(', ');
}

/** Human-readable report, as `lfkit data inspect` prints it. */
export function formatInspectReport(r: InspectReport, maxListed = 20): string {
  const out: string[] = [`dataset ${r.root} (format ${r.format})`];
  for (const s of r.sections) {
    out.push('', `category ${s.category ?? '-'}`);
    out.push(`  objects per split: ${Object.entries(s.splits).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
    out.push(`  objects validated: ${s.objectsOk} of ${s.objects} loaded without error`);
    out.push(`  views per object:  ${counts(s.viewsPerObject, 'objects')}`);
    out.push(`  resolution:        ${counts(s.resolutions, 'views')}`);
    out.push(`  skipped objects:   ${s.skipped.length}`);
    for (const k of s.skipped.slice(0, maxListed)) out.push(`    ${k.id}: ${k.reason}`);
    if (s.skipped.length > maxListed) out.push(`    ... and ${s.skipped.length - maxListed} more (--json lists all)`);
    out.push(`  errors:            ${s.errors.length}`);
    for (const e of s.errors.slice(0, maxListed)) out.push(`    ${e.id}: ${e.message}`);
    if (s.errors.length > maxListed) out.push(`    ... and ${s.errors.length - maxListed} more (--json lists all)`);
  }
  out.push('', r.ok ? 'OK: no errors' : `FAILED: ${r.errors.length} error(s)`);
  return out.join('\n');
}
