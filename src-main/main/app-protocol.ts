// The renderer is served from a custom, privileged scheme (app://workbench/…) instead of file://: file://
// pages get privileges beyond a web page's (the grantFileProtocolExtraPrivileges fuse is off in packaged
// builds), and every file:// page would share one origin. Pure functions here; index.ts wires them to Electron.
import { normalize, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The scheme's privileges (registered before the app is ready): a standard, secure origin with fetch. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: true } as const;

/** The file under `root` an app:// URL names, or null (wrong host, undecodable or escaping path). */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const base = resolve(root);
  const file = resolve(base, normalize(path).replace(/^([/\\])+/, '') || 'index.html');
  return file === base || file.startsWith(base + sep) ? (file === base ? resolve(base, 'index.html') : file) : null;
}

/** True for a URL of the app's own origin (exactly app://workbench), or of the dev server's origin in development. */
export function isAppOrigin(url: string, devServer?: string | null): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  if (!devServer) return false;
  try {
    const d = new URL(devServer);
    return u.protocol === d.protocol && u.host === d.host;
  } catch {
    return false;
  }
}

/**
 * The dev server URL (electron-vite sets ELECTRON_RENDERER_URL for `npm run dev`): honoured only in an unpacked
 * development build and only on loopback; a packaged app never loads a page named by its environment.
 */
export function rendererDevUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string | null {
  const url = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? url : null;
  } catch {
    return null;
  }
}
