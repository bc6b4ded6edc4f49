// Progress for long runs: a cli-progress bar with ETA on a terminal, plain epoch lines otherwise (logs, CI).
import cliProgress from 'cli-progress';
import type { TrainingEvent } from '../engine/training/events';

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined ? '–' : Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(digits);
}

export function progressReporter(primaryMetric: () => string, quiet: boolean): (e: TrainingEvent) => void {
  const tty = process.stderr.isTTY && !quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | step {value}/{total} | ETA {etaText} | {phase} epoch {epoch} | loss {loss}',
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  return (e) => {
    if (e.type === 'started') {
      process.stderr.write(
        `backend: ${e.backend.active}${e.backend.gpu ? ' (CUDA)' : ''}${e.backend.blas ? ` + ${e.backend.blas}` : ''}${e.backend.threads ? `, ${e.backend.threads} thread${e.backend.threads === 1 ? '' : 's'}` : ''}${e.backend.notices.length ? ` — ${e.backend.notices.join('; ')}` : ''}\n`,
      );
      process.stderr.write(`parameters: ${e.parameters}, steps: ${e.totalSteps}${e.resumedAt ? `, resuming at step ${e.resumedAt}` : ''}\n`);
      bar?.start(e.totalSteps, e.resumedAt, { etaText: '?', phase: '', epoch: 0, loss: '–' });
      started = true;
    } else if (e.type === 'progress') {
      // Without a terminal the epoch lines below carry the progress.
      bar?.update(e.step, { etaText: formatDuration(e.etaMs), phase: e.phase, epoch: e.epoch });
    } else if (e.type === 'metrics') {
      bar?.update(e.step, { loss: fmt(e.values.loss) });
    } else if (e.type === 'epoch' && !quiet) {
      const line = `${e.phase} epoch ${e.epoch}: valid ${primaryMetric()} ${fmt(e.valid[primaryMetric()])}, sparsity ${(100 * e.sparsity.global).toFixed(1)} % (pruned to ${(100 * e.pruneAmount).toFixed(1)} %), lr ${fmt(e.learningRate, 3)}`;
      process.stderr.write(bar ? `\r\x1b[K${line}\n` : `${line}\n`);
    } else if ((e.type === 'finished' || e.type === 'stopped') && started) {
      bar?.stop();
    }
  };
}
