/** Saves a data: URL as a file through a temporary link (works in Electron and browsers, no popups). */
export function download(filename: string, url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
}
