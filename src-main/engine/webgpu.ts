// WebGPU in Node through Dawn (the `webgpu` npm package ships prebuilt dawn.node binaries, so it installs from
// the registry with no download) and @tensorflow/tfjs-backend-webgpu. Two rules the rest of the engine keeps:
// tensors are read back only asynchronously (engine/read.ts; the backend's synchronous read needs
// OffscreenCanvas, which Node lacks), and the backend never forwards small ops to the CPU (that path reads
// synchronously too). README "Compute backends" says which GPUs and drivers are expected to work.

import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** What the GPU adapter says about itself (recorded with every run that uses it). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software/fallback adapter (SwiftShader, llvmpipe, WARP): correct but CPU-emulated and slow. */
  software: boolean;
}

/** The adapter request tfjs-backend-webgpu makes, so the probe sees the adapter the backend will use. */
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|warp/i;

interface GpuLike {
  requestAdapter(o?: object): Promise<{ info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null>;
}

let gpu: GpuLike | null = null;

/** Creates Dawn's GPU object and exposes it as navigator.gpu with the WebGPU globals (GPUBufferUsage, …). */
async function installNavigatorGpu(): Promise<GpuLike> {
  if (gpu) return gpu;
  // A literal specifier: `webgpu` is a regular dependency (bundlers keep it external: it loads a .node addon).
  const dawn = (await import('webgpu')) as unknown as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  Object.assign(globalThis, dawn.globals);
  // Vulkan's window-system layer complains on stderr when XDG_RUNTIME_DIR is unset (servers, CI); compute
  // does not use it, so give it a harmless value rather than print the complaint on every run.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const created = dawn.create([]);
  const g = globalThis as unknown as { navigator?: object };
  // Node ≥ 21 and Electron's utility process already have a navigator; Node 20 has none.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: created, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: created }, configurable: true, writable: true });
  gpu = created;
  return created;
}

export function describeAdapter(a: { info?: Record<string, unknown>; isFallbackAdapter?: boolean }): AdapterInfo {
  const info = a.info ?? {};
  const text = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : '');
  const vendor = text('vendor');
  const architecture = text('architecture');
  const device = text('device');
  const description = text('description');
  const fallback = a.isFallbackAdapter === true || info.isFallbackAdapter === true;
  return { vendor, architecture, device, description, software: fallback || SOFTWARE_ADAPTER.test(`${architecture} ${device} ${description}`) };
}

export function adapterLabel(a: AdapterInfo): string {
  const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ');
  return `${name || 'unknown adapter'}${a.description ? ` (${a.description})` : ''}${a.software ? ', software' : ''}`;
}

const VULKAN_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

/**
 * Linux: is any Vulkan driver registered? Checked before loading Dawn so a machine without a GPU driver skips
 * WebGPU at once and quietly (Dawn prints its own loader warnings to stderr).
 */
export function vulkanDriverListed(): boolean {
  if (process.platform !== 'linux') return true;
  if (process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES || process.env.VK_ADD_DRIVER_FILES) return true;
  return VULKAN_ICD_DIRS.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * The device a backend computes on, for the run record: the WebGPU adapter, CUDA, or null (CPU backends).
 * Here rather than in backend.ts so the store can use it without loading tfjs.
 */
export function deviceLabel(b: { active: string; gpu: boolean; adapter?: AdapterInfo; threads?: number; blas?: string }): string | null {
  if (b.adapter) return adapterLabel(b.adapter);
  if (b.active === 'wasm' && b.threads) return `${b.blas ? `${b.blas}, ` : ''}${b.threads} CPU thread${b.threads === 1 ? '' : 's'}`;
  return b.active === 'tensorflow-gpu' && b.gpu ? 'CUDA (tfjs-node-gpu)' : null;
}

type Probe = { adapter: AdapterInfo | null; reason: string };

/**
 * The adapter WebGPU would use here, or null with the reason none is available. In Node the probe runs in a
 * short child process (≈ 0.3 s): Dawn writes its driver warnings (a refused lavapipe, XDG_RUNTIME_DIR) to the
 * process's stderr, and a CPU-only machine should not see them on every run. In Electron (whose binary cannot
 * run as Node in the packaged app) it runs in process.
 */
export async function probeAdapter(): Promise<Probe> {
  if (!vulkanDriverListed()) return { adapter: null, reason: `no Vulkan driver installed (no ICD manifest in ${VULKAN_ICD_DIRS.slice(0, 2).join(' or ')})` };
  if (!process.versions.electron) return probeInChild();
  return probeInProcess();
}

const CHILD_PROBE = `
const { create, globals } = await import(process.argv[1]);
Object.assign(globalThis, globals);
const a = await create([]).requestAdapter(${JSON.stringify(ADAPTER_OPTIONS)});
const info = a ? a.info ?? {} : null;
process.stdout.write(JSON.stringify(a ? { info: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: info.isFallbackAdapter }, isFallbackAdapter: a.isFallbackAdapter } : null));
process.exit(0);
`;

async function probeInChild(): Promise<Probe> {
  const { execFile } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  let entry: string;
  try {
    entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (err) {
    return { adapter: null, reason: `the webgpu package could not be found (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_PROBE, entry],
      { timeout: 30_000, encoding: 'utf8', env: { XDG_RUNTIME_DIR: tmpdir(), ...process.env } },
      (error, stdout) => {
        if (error) return done({ adapter: null, reason: `the WebGPU probe failed (${error.message.split('\n')[0].slice(0, 160)})` });
        try {
          const a = JSON.parse(stdout) as { info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null;
          done(
            a
              ? { adapter: describeAdapter(a), reason: '' }
              : { adapter: null, reason: 'no WebGPU adapter found (no Vulkan/Metal/D3D12 GPU driver usable by Dawn)' },
          );
        } catch {
          done({ adapter: null, reason: `the WebGPU probe printed no answer (${stdout.slice(0, 120)})` });
        }
      },
    );
  });
}

async function probeInProcess(): Promise<Probe> {
  let g: GpuLike;
  try {
    g = await installNavigatorGpu();
  } catch (err) {
    return { adapter: null, reason: `the webgpu package could not be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  const a = await g.requestAdapter(ADAPTER_OPTIONS);
  if (!a) return { adapter: null, reason: 'no WebGPU adapter found (no Vulkan/Metal/D3D12 GPU driver usable by Dawn)' };
  return { adapter: describeAdapter(a), reason: '' };
}

/**
 * Loads tfjs-backend-webgpu (it registers itself only when navigator.gpu exists, so Dawn comes first) and
 * turns off CPU forwarding. Returns the tfjs backend name.
 */
export async function loadWebGpuBackend(): Promise<string> {
  await installNavigatorGpu();
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  return 'webgpu';
}
