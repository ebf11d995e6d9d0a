import type { Database } from '../../db/database';
import type { Sql } from '../../db/sql';

/**
 * Who subscribes to a channel, among processes sharing a server database: session advisory locks on one connection
 * this process holds while it subscribes. A process that dies loses its session and so its locks, and a process on
 * standby takes the channel over at its next attempt. The embedded database has one process, which holds them all.
 */
export interface ChannelLocks {
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
  /** False once the held connection is gone (its locks with it). */
  alive(): Promise<boolean>;
  close(): Promise<void>;
}

const key = (name: string) => `crm-bridge:cdc:${name}`;

export async function openChannelLocks(db: Database): Promise<ChannelLocks> {
  if (db.kind === 'embedded')
    return {
      tryLock: async () => true,
      unlock: async () => undefined,
      alive: async () => true,
      close: async () => undefined,
    };
  // The connection is borrowed for as long as the locks are held: `release` ends the borrowing.
  let release = () => undefined as void;
  const held = await new Promise<Sql>((resolve, reject) => {
    db.withConnection((sql) => {
      resolve(sql);
      return new Promise<void>((r) => (release = r));
    }).catch(reject);
  });
  let closed = false;
  // One connection runs one query at a time: channels asking at once take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const query = <R extends Record<string, unknown>>(text: string, values?: unknown[]) => {
    const next = turn.then(() => {
      if (closed && text !== 'SELECT pg_advisory_unlock_all()') throw new Error('the channel locks are closed');
      return held.query<R>(text, values);
    });
    turn = next.catch(() => undefined);
    return next;
  };
  return {
    async tryLock(name) {
      const { rows } = await query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
        key(name),
      ]);
      return rows[0]!.locked;
    },
    async unlock(name) {
      await query('SELECT pg_advisory_unlock(hashtext($1))', [key(name)]).catch(() => undefined);
    },
    async alive() {
      try {
        await query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      // Once only: after `release` the connection may be another caller's, whose locks are not ours to drop.
      if (closed) return;
      closed = true;
      // The connection goes back to the pool: it must not keep the channels.
      await query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      release();
    },
  };
}
