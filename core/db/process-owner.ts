import { readFileSync } from 'node:fs';
import os from 'node:os';

/** The process that holds something (a run, the embedded database's lock), as recorded beside it. */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** When the process started (ISO), so a pid the system has since given to another process is not taken for it. */
  startedAt: string | null;
}

/**
 * `alive`: the process is running. `gone`: it is not (no such pid on this host, a zombie, or a pid now used by a
 * process that started later). `unknown`: it ran on another host, whose processes cannot be seen from here.
 */
export type Liveness = 'alive' | 'gone' | 'unknown';

// Linux reports process start times in clock ticks since boot; USER_HZ is 100 on every Linux architecture Node runs on.
const TICKS_PER_SECOND = 100;
// Boot time is read as whole seconds and can be off by one between two reads.
const START_TOLERANCE_MS = 2000;

function linuxStat(pid: number): { state: string; startedAt: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const bootLine = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('btime '));
    const boot = Number(bootLine?.slice(6));
    const ticks = Number(fields[19]);
    if (!Number.isFinite(boot) || !Number.isFinite(ticks)) return null;
    return { state: fields[0] ?? '', startedAt: boot * 1000 + (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** When a process of this host started (ISO), where the system says (Linux); null elsewhere. */
export function startTimeOf(pid: number): string | null {
  const stat = linuxStat(pid);
  return stat ? new Date(stat.startedAt).toISOString() : null;
}

let self: ProcessOwner | undefined;

export function currentProcess(): ProcessOwner {
  self ??= {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date(linuxStat(process.pid)?.startedAt ?? Date.now() - process.uptime() * 1000).toISOString(),
  };
  return self;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that recorded itself as `owner` still runs. */
export function liveness(owner: {
  pid: number | null;
  host: string | null;
  startedAt?: string | Date | null;
}): Liveness {
  const me = currentProcess();
  if (owner.pid === null || owner.host === null || owner.host !== me.host) return 'unknown';
  if (owner.pid === me.pid) return sameStart(owner.startedAt, me.startedAt) ? 'alive' : 'gone';
  if (!pidExists(owner.pid)) return 'gone';
  const stat = linuxStat(owner.pid);
  if (!stat) return 'alive';
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  return sameStart(owner.startedAt, new Date(stat.startedAt).toISOString()) ? 'alive' : 'gone';
}

function sameStart(recorded: string | Date | null | undefined, actual: string | null): boolean {
  // Nothing recorded to compare (an older record): the pid alone decides.
  if (recorded === null || recorded === undefined || actual === null) return true;
  return Math.abs(new Date(recorded).getTime() - new Date(actual).getTime()) <= START_TOLERANCE_MS;
}
