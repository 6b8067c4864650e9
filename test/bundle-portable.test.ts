/** Paths and commands recorded in a shipped bundle name no absolute path of the training machine. */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { portableCommand, portableInit, portablePath } from '../src/node/tasks/portable.ts';

describe('portable paths', () => {
  const cwd = path.join(path.sep, 'srv', 'lfkit');
  it('makes a path inside the working folder or the home folder relative, and drops the first component of any other', () => {
    expect(portablePath(path.join(cwd, 'runs', 'a'), cwd)).toBe('runs/a');
    expect(portablePath(path.join(os.homedir(), 'runs', 'b'), cwd)).toBe('runs/b');
    expect(portablePath('/data/runs/c', cwd)).toBe('runs/c');
    expect(portablePath('runs/d', cwd)).toBe('runs/d');
  });
  it('rewrites absolute arguments of a command and leaves the rest as it is', () => {
    expect(portableCommand('lfkit train --data data/x --out /data/runs/a --init=/data/runs/b/checkpoints/last --lr 1e-3', cwd))
      .toBe('lfkit train --data data/x --out runs/a --init=runs/b/checkpoints/last --lr 1e-3');
  });
  it('walks a whole --init chain', () => {
    const init = portableInit({ checkpoint: '/data/runs/b/checkpoints/last', step: 5, time: 9, command: 'lfkit train --out /data/runs/b',
      init: { checkpoint: '/data/runs/a/checkpoints/last', step: 3, time: 4 } }, cwd);
    expect(init).toEqual({ checkpoint: 'runs/b/checkpoints/last', step: 5, time: 9, command: 'lfkit train --out runs/b',
      init: { checkpoint: 'runs/a/checkpoints/last', step: 3, time: 4 } });
    expect(portableInit(null, cwd)).toBeNull();
  });
});
