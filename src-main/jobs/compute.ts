// Heavy one-off computations requested by the UI (penalty matrices and embeddings of N up to the paper's
// 4096 and beyond: seconds of CPU and N² memory) run in a worker process, never on the server's or the
// Electron main process's event loop. Results are cached (they are deterministic) and concurrent requests
// for the same thing share one computation; at most `parallel` workers compute at a time.
import { z } from 'zod';
import type { WorkerHostFactory } from './host';
import { ComputeJob, type HostToWorker } from './protocol';

export interface ComputePoolOptions {
  createHost: WorkerHostFactory;
  parallel?: number;
  timeoutMs?: number;
  /** Cached results kept (least recently used dropped first). */
  cacheSize?: number;
}

const Reply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('result'), value: z.unknown() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);

export class ComputePool {
  private readonly cache = new Map<string, unknown>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: ComputePoolOptions) {}

  run<T>(job: ComputeJob): Promise<T> {
    // Imports change the database: never cached, never shared.
    if (job.kind === 'importBundle') return this.queued(() => this.inWorker(job)) as Promise<T>;
    const key = JSON.stringify(job);
    if (this.cache.has(key)) {
      const v = this.cache.get(key);
      this.cache.delete(key);
      this.cache.set(key, v);
      return Promise.resolve(v as T);
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.queued(() => this.inWorker(job)).then(
        (v) => {
          this.inflight.delete(key);
          this.cache.set(key, v);
          while (this.cache.size > (this.opts.cacheSize ?? 16)) this.cache.delete(this.cache.keys().next().value!);
          return v;
        },
        (e) => {
          this.inflight.delete(key);
          throw e;
        },
      );
      this.inflight.set(key, p);
    }
    return p as Promise<T>;
  }

  private async queued<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= (this.opts.parallel ?? 1)) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private inWorker(job: ComputeJob): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const host = this.opts.createHost();
      let settled = false;
      const finish = (err: Error | null, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        host.kill('SIGKILL');
        if (err) reject(err);
        else resolve(value);
      };
      const timer = setTimeout(
        () => finish(new Error(`computation '${job.kind}' took longer than ${(this.opts.timeoutMs ?? 180_000) / 1000} s`)),
        this.opts.timeoutMs ?? 180_000,
      );
      host.onMessage((raw) => {
        const m = Reply.safeParse(raw);
        if (!m.success) return;
        if (m.data.type === 'ready') host.send({ type: 'compute', job } satisfies HostToWorker);
        else if (m.data.type === 'result') finish(null, m.data.value);
        else finish(new Error(m.data.message));
      });
      host.onExit((code, signal) => finish(new Error(`the computation's worker exited (${signal ?? `code ${code}`})`)));
    });
  }
}
