/**
 * CPU time of the calling thread (Linux: `/proc/thread-self/stat`, clock ticks of 10 ms), so a
 * benchmark on a shared machine can report each thread's CPU seconds, not only wall time.
 * `process.cpuUsage()` sums every thread of the process (workers, libuv, GC) instead. Returns
 * null where the file does not exist.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function threadCpuSeconds(): number | null {
  try {
    const s = readFileSync('/proc/thread-self/stat', 'utf8');
    // fields after the parenthesised command name: state(3) ... utime(14) stime(15)
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds of the whole process (all threads), from `process.cpuUsage()`. */
export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
