import { readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { currentProcess, liveness, type ProcessOwner } from './process-owner';

/** Another live process has the embedded database open (exit code 4). */
export class EmbeddedDatabaseInUse extends Error {
  constructor(home: string, owner: ProcessOwner | null) {
    const who = owner ? ` (pid ${owner.pid}${owner.host === currentProcess().host ? '' : ` on ${owner.host}`})` : '';
    super(
      `The embedded database in ${home} is in use by another crm-bridge process${who}. ` +
        'Wait for it to finish, use another CRM_BRIDGE_HOME, or set DATABASE_URL to share a PostgreSQL server between processes.',
    );
    this.name = 'EmbeddedDatabaseInUse';
  }
}

const STALE_MS = 30_000;

/**
 * The embedded database's lock: a proper-lockfile lock (its mtime refreshed every 10 s, stale after 30 s) plus a
 * file beside it naming the process that holds it. A lock whose process is gone (killed with `kill -9`: no exit
 * handler ran) is taken over at once instead of after the 30 s staleness, when that process ran on this host.
 *
 * Taking a lock and naming its owner happen under a short second lock (`.guard`), and so does breaking a dead
 * owner's lock: two processes starting together after a crash cannot both break it, and no one can break a lock
 * whose new owner has not yet written its name.
 */
export async function lockEmbeddedDatabase(home: string, dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(home, 'pgdata.lock');
  const ownerPath = `${lockPath}.owner`;
  // Locked on `home`, not `dataDir`: proper-lockfile keeps one lock per locked path in a process.
  const releaseGuard = await lockfile.lock(home, {
    lockfilePath: `${lockPath}.guard`,
    stale: 5_000,
    update: 2_000,
    // Held for milliseconds by whoever has it; a holder killed in between goes stale after 5 s.
    retries: { retries: 60, minTimeout: 20, maxTimeout: 200 },
  });
  try {
    const take = () => lockfile.lock(dataDir, { lockfilePath: lockPath, stale: STALE_MS, update: 10_000 });
    let release: () => Promise<void>;
    try {
      release = await take();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const owner = readOwner(ownerPath);
      if (!owner || liveness(owner) !== 'gone') throw new EmbeddedDatabaseInUse(home, owner);
      // Its process is gone: age the lock past staleness, and proper-lockfile removes and takes it as stale.
      const past = new Date(Date.now() - 2 * STALE_MS);
      utimesSync(lockPath, past, past);
      release = await take();
    }
    writeOwner(ownerPath, currentProcess());
    return async () => {
      if (readOwner(ownerPath)?.pid === process.pid) rmSync(ownerPath, { force: true });
      await release();
    };
  } finally {
    await releaseGuard();
  }
}

function readOwner(file: string): ProcessOwner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProcessOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return null;
    return {
      pid: owner.pid,
      host: owner.host,
      startedAt: typeof owner.startedAt === 'string' ? owner.startedAt : null,
    };
  } catch {
    return null;
  }
}

function writeOwner(file: string, owner: ProcessOwner): void {
  // Written whole, then renamed into place: a reader never sees half a file.
  const temporary = `${file}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(owner));
  renameSync(temporary, file);
}
