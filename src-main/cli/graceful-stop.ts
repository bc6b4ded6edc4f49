// Ctrl-C (SIGINT) or SIGTERM on a process that trains: running runs write a checkpoint and are recorded as
// 'paused' (resumable), queued runs stay queued, then the process exits. A second signal exits at once; the
// runs it leaves become 'interrupted' when the next process opens the database (also resumable).
import type { JobRunner } from '../jobs/runner';

export function installGracefulStop(runner: JobRunner, cleanup: () => Promise<void> | void, out: NodeJS.WritableStream = process.stderr): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      out.write(`\n${signal} again: exiting now; unfinished runs will show as interrupted and can be resumed\n`);
      process.exit(130);
    }
    stopping = true;
    const running = runner.runningIds().length;
    out.write(`\n${signal}: pausing ${running} running run(s) at a checkpoint (press Ctrl-C again to exit at once)\n`);
    void runner
      .pauseAll()
      .then(async (ids) => {
        await cleanup();
        if (ids.length) out.write(`paused ${ids.length} run(s); resume them from the runs view or with the API\n`);
        process.exit(0);
      })
      .catch((e: unknown) => {
        out.write(`moduli: ${(e as Error).message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
