/**
 * The repository is the product: no tracked file (code, docs, tests, model cards, scripts)
 * speaks of how the work was organised or of the machine it was done on. Four kinds of line
 * fail the suite, each reported with its file and line:
 * - a work-log phrase: "session" or "issue" followed by a number;
 * - a commit hash used as a recipe (`git checkout <hash>`, `git show <hash>:...`, "commit <hash>");
 * - an absolute home or machine path (the root, home, Users, work and mnt folders; `C:` Users).
 * Binary files are skipped. The patterns are assembled from pieces so this file passes its own scan.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const S = 'sess' + 'ion', I = 'iss' + 'ue';

/** Rules: a name for the report and the test applied to one line. */
export const HYGIENE_RULES: { name: string; re: RegExp }[] = [
  { name: 'work-log phrase', re: new RegExp(`\\b(${S}|${I})s?\\s*#?\\s*[0-9]`, 'i') },
  {
    name: 'commit hash as a recipe',
    // a 7-40 digit hex token (with at least one digit and one letter) after a git verb or "commit"
    re: /\b(?:git\s+(?:checkout|show|worktree\s+add(?:\s+\S+)?|reset(?:\s+--hard)?|switch|cherry-pick|revert|diff|log)|commit)\s+(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b/i,
  },
  {
    name: 'absolute machine path',
    // only at the start of a path: `runs/work/a` is a relative path and passes
    re: new RegExp(`(?<![\\w.-])(?:${['/ro' + 'ot/', '/ho' + 'me/', '/Us' + 'ers/', '/wo' + 'rk/', '/m' + 'nt/'].join('|')})|C:\\\\Us` + 'ers'),
  },
];

/** Every violation in `text` (one line each), as `file:line: rule: text`. */
export function hygieneViolations(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const r of HYGIENE_RULES) if (r.re.test(line)) out.push(`${file}:${i + 1}: ${r.name}: ${line.trim().slice(0, 160)}`);
  });
  return out;
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 }).split('\0').filter(Boolean);
}

describe('repository hygiene', () => {
  it('each rule catches what it is for and passes ordinary text', () => {
    const bad = [
      `as planned in ${S} 12's run`, `${I} 9 asks for legs`, `${S}s 10-11`, `see ${I} #4`,
      ...['git worktree add /tmp/prev ', 'git checkout ', 'git show ', 'the commit '].map((verb, i) => `${verb}${['020fb', '7766c', '43981', '6a306'][i]}b7e${i ? ' -- models' : ''}`),
      `--out ${'/wo' + 'rk'}/runs/a`, `${'/ro' + 'ot'}/.cache`, `${'/ho' + 'me'}/alice/data`, `${'/Us' + 'ers'}/bob/x.png`, `C:\\${'Us' + 'ers'}\\carol`,
    ];
    for (const line of bad) expect(hygieneViolations('x', line), line).toHaveLength(1);
    const good = [
      'summed over resumed training sessions', 'the issues tab of the repository', 'git checkout main', 'sha512-AbC123==',
      'weights 9.62 MB, step 3300', 'data/synth-chairs-64/chairs/synth-chairs-s0-test-00007', '/tmp/lfkit-x and ./runs/work/a',
    ];
    for (const line of good) expect(hygieneViolations('x', line), line).toEqual([]);
  });

  it('no tracked file holds a work-log phrase, a commit hash recipe or an absolute machine path', () => {
    const found: string[] = [];
    for (const f of trackedFiles()) {
      let buf: Buffer;
      try {
        buf = readFileSync(path.join(ROOT, f));
      } catch {
        continue; // deleted in the work tree, not yet committed
      }
      if (buf.subarray(0, 8000).includes(0)) continue; // binary (weights, PNGs)
      found.push(...hygieneViolations(f, buf.toString('utf8')));
    }
    expect(found, found.join('\n')).toEqual([]);
  });
});
