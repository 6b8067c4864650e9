/**
 * Paths and commands as a reader on another machine should see them. A bundle and its model
 * card ship in the repository, so they record no absolute path of the machine that trained the
 * model: a path inside the working folder becomes relative to it, one inside the home folder
 * relative to that, and any other absolute path loses its first component (`/data/runs/a` ->
 * `runs/a`), which keeps the part that names the run.
 */
import os from 'node:os';
import path from 'node:path';
import type { RunInit } from '../runs/run-folder.ts';

/** `p` without the machine's absolute prefix (module header); relative paths are returned as they are. */
export function portablePath(p: string, cwd: string = process.cwd()): string {
  if (!path.isAbsolute(p)) return p;
  for (const base of [cwd, os.homedir()]) {
    const rel = path.relative(base, p);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  }
  const parts = p.split(/[\\/]+/).filter(Boolean);
  return parts.length > 1 ? parts.slice(1).join('/') : parts.join('/');
}

/** A shell command with every absolute path argument (`/x/y`, `--flag=/x/y`) made portable. */
export function portableCommand(cmd: string, cwd: string = process.cwd()): string {
  return cmd
    .split(/(\s+)/)
    .map((tok) => {
      const m = /^(--[\w.-]+=)?(\/\S*)$/.exec(tok);
      return m ? `${m[1] ?? ''}${portablePath(m[2]!, cwd)}` : tok;
    })
    .join('');
}

/** A `lfkit train --init` chain with portable checkpoint paths and commands. */
export function portableInit(init: RunInit | null | undefined, cwd: string = process.cwd()): RunInit | null {
  if (!init) return null;
  return {
    ...init,
    checkpoint: portablePath(init.checkpoint, cwd),
    ...(init.command !== undefined ? { command: portableCommand(init.command, cwd) } : {}),
    ...(init.init ? { init: portableInit(init.init, cwd)! } : {}),
  };
}
