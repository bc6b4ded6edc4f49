// Ctrl-C (SIGINT) or SIGTERM on a process that trains: running runs write a checkpoint and are recorded as
// 'paused' (resumable), queued runs stay queued, then the process exits 0. A second signal exits at once; the
// runs it leaves become 'interrupted' when the next process opens the database (also resumable). Shutdown is
// bounded: a worker that cannot pause (hung) is killed by the runner's watchdog, and after `deadlineMs`
// every worker left is killed and its run recorded as 'interrupted'.
import type { JobRunner } from '../jobs/runner';

export function installGracefulStop(
  runner: JobRunner,
  cleanup: () => Promise<void> | void,
  out: NodeJS.WritableStream = process.stderr,
  deadlineMs = 60_000,
): void {
  // A closed terminal must not turn a clean shutdown into an EPIPE crash.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      out.write(`\n${signal} again: exiting now; unfinished runs will show as interrupted and can be resumed\n`);
      process.exit(130);
    }
    stopping = true;
    const running = runner.runningIds().length;
    out.write(`\n${signal}: pausing ${running} running run(s) at a checkpoint (press Ctrl-C again to exit at once)\n`);
    setTimeout(
      () =>
        runner.killAll(
          `the process was stopping and the worker did not pause within ${Math.round(deadlineMs / 1000)} s; the run resumes from its last checkpoint`,
        ),
      deadlineMs,
    ).unref();
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
