// Matrix products on helper threads (src-main/engine/threads) against one thread, and what the machine allows.
//   ceiling:  k independent single-thread processes multiplying at the same time, their summed throughput over
//             one process alone — the most k threads can give here (shared caches, memory bandwidth, clocks).
//   products: the shapes of a navigation training step, split across k threads, against one thread
//             (median of 7; the product is bit-identical, test/engine/threads.spec.ts).
// One JSON line each with --json: {"probe":"ceiling","threads","speedup"} and
// {"probe":"matMul","shape","threads","ms","speedup"}.
// Usage: npm run bench:threads -- --threads 2[,4,…] [--json]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { loadBackendModule } from '../src-main/engine/backend';
import { acquireHelperThreads, setParallelMinimum } from '../src-main/engine/threads/parallel-matmul';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
    solo: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '4' },
  },
});

await tf.setBackend(await loadBackendModule('wasm'));

/** Child mode: waits for "go" on stdin, multiplies for --seconds, prints products per second. */
async function solo(): Promise<void> {
  const a = tf.randomNormal([1000, 1024]);
  const b = tf.randomNormal([1024, 1024]);
  tf.matMul(a, b).dispose();
  process.stdout.write('ready\n');
  await new Promise<void>((r) => process.stdin.once('data', () => r()));
  const end = performance.now() + Number(args.seconds) * 1000;
  let n = 0;
  while (performance.now() < end) {
    tf.matMul(a, b).dispose();
    n++;
  }
  process.stdout.write(`${n / Number(args.seconds)}\n`);
  process.exit(0);
}

/** Summed products per second of k processes started together. */
async function together(k: number): Promise<number> {
  const children = Array.from({ length: k }, () =>
    spawn(process.execPath, ['bin/run-ts.mjs', 'bench/threads.bench.ts', '--solo', '--seconds', args.seconds!], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const lines = children.map((c) => {
    const out: string[] = [];
    let buffer = '';
    const ready = new Promise<void>((resolve) =>
      c.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const p of parts) {
          if (p === 'ready') resolve();
          else out.push(p);
        }
      }),
    );
    const done = new Promise<void>((resolve) => c.on('exit', () => resolve()));
    return { ready, done, out };
  });
  await Promise.all(lines.map((l) => l.ready));
  for (const c of children) c.stdin.write('go\n');
  await Promise.all(lines.map((l) => l.done));
  return lines.reduce((s, l) => s + Number(l.out.at(-1)), 0);
}

function median(f: () => void): number {
  f();
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  return ts.sort((x, y) => x - y)[3];
}

const print = (line: Record<string, unknown>, text: string) => console.log(args.json ? JSON.stringify(line) : text);

if (args.solo) await solo();
else {
  const counts = args.threads!.split(',').map(Number);
  const one = await together(1);
  for (const k of counts) {
    const speedup = +((await together(k)) / one).toFixed(2);
    print({ probe: 'ceiling', threads: k, speedup }, `ceiling: ${k} independent single-thread processes multiply ${speedup}× as fast as one`);
  }
  // Navigation step at N = 1024 (seq 20, batch 200, 512 place cells): recurrence, decoder forward, its input
  // gradient, the recurrent weight gradient; then smaller recurrent products. All are split here (the
  // threshold is lifted) to show where splitting pays.
  const shapes: Array<[number, number, number]> = [
    [200, 1024, 1024],
    [4000, 1024, 512],
    [4000, 512, 1024],
    [1024, 4000, 1024],
    // Recurrent steps at N = 512, 384, 256: where splitting stops paying (PARALLEL_MIN_MULTIPLY_ADDS).
    [200, 512, 512],
    [200, 384, 384],
    [200, 256, 256],
  ];
  setParallelMinimum(0);
  for (const [m, k, n] of shapes) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const single = median(() => tf.matMul(a, b).dispose());
    for (const threads of counts) {
      const release = await acquireHelperThreads(threads);
      const ms = median(() => tf.matMul(a, b).dispose());
      await release();
      const shape = `[${m},${k}]·[${k},${n}]`;
      print(
        { probe: 'matMul', shape, threads, ms: +ms.toFixed(2), single: +single.toFixed(2), speedup: +(single / ms).toFixed(2) },
        `${shape}: ${single.toFixed(1)} ms on 1 thread, ${ms.toFixed(1)} ms on ${threads} (${(single / ms).toFixed(2)}×)`,
      );
    }
    tf.dispose([a, b]);
  }
}
