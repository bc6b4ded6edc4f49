// The paper's PyTorch step (bench/reference/navigation_step.py) at its best on this machine, measured in the
// same benchmark invocation as ours. "At its best": every split of `cores` between PyTorch's own threads and
// OpenBLAS's threads is tried (they oversubscribe otherwise: torch 1 thread with OpenBLAS on both cores was
// fastest on 2 cores), and the fastest is reported; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE were already
// removed from this process's environment by the caller when it measures a clean machine.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./reference/navigation_step.py', import.meta.url));

/** A Python that has PyTorch: MODULI_REFERENCE_PYTHON, else python3 on the PATH, else the system's (Debian's python3-torch). */
function pythonWithTorch(): string | null {
  for (const py of [process.env.MODULI_REFERENCE_PYTHON, 'python3', '/usr/bin/python3']) {
    if (py && spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

export function referenceAtItsBest(hidden: number, cores: number, o: { steps: number; warmup: number }): { msPerStep: number; setup: string } | null {
  const splits: Array<[torchThreads: number, blasThreads: number]> = [];
  for (let t = 1; t <= cores; t *= 2) for (let b = 1; b <= cores; b *= 2) if (t === 1 || b === 1) splits.push([t, b]);
  const python = pythonWithTorch();
  if (!python) {
    console.error('reference: no Python with PyTorch found (install python3-torch, or set MODULI_REFERENCE_PYTHON)');
    return null;
  }
  let best: { msPerStep: number; setup: string } | null = null;
  for (const [torchThreads, blasThreads] of splits) {
    const r = spawnSync(
      python,
      [SCRIPT, '--hidden', String(hidden), '--threads', String(torchThreads), '--steps', String(o.steps), '--warmup', String(o.warmup)],
      {
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads), OMP_NUM_THREADS: String(torchThreads) },
      },
    );
    if (r.status !== 0) {
      console.error(
        `reference: ${python} ${SCRIPT} failed (${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}); install PyTorch (Debian: python3-torch) to compare`,
      );
      return null;
    }
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { msPerStep: number; torch: string };
    if (!best || line.msPerStep < best.msPerStep)
      best = { msPerStep: line.msPerStep, setup: `PyTorch ${line.torch}, torch ${torchThreads} thread(s), OpenBLAS ${blasThreads}` };
  }
  return best;
}
