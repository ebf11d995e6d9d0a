import cliProgress from 'cli-progress';
import type { ReconcilePhase } from '../core/reconcile/reconcile';

const LABELS: Record<ReconcilePhase, string> = {
  target: 'reading mirror',
  legacy: 'reconciling',
  fuzzy: 'fuzzy matching',
  orphans: 'finding orphans',
};

/** A progress line on a terminal; nothing at all when output is piped or JSON, so scripts see clean streams. */
export function progressReporter(
  object: string,
  enabled: boolean,
): { update(phase: ReconcilePhase, rows: number, total?: number): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${object.padEnd(12)} {phase} {bar} {value}{totalText}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(phase, rows, total) {
      const payload = { phase: LABELS[phase].padEnd(15), totalText: total ? `/${total}` : ' rows' };
      if (!started) {
        bar.start(total ?? 0, rows, payload);
        started = true;
      }
      bar.setTotal(total ?? Math.max(rows, 1));
      bar.update(rows, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
