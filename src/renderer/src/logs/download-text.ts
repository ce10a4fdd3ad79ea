/** How long the object URL outlives the click, ms (the download reads it asynchronously). */
const REVOKE_AFTER_MS = 10_000;

/**
 * Saves `text` as a file: a Blob behind an object URL, clicked through a temporary
 * `<a download>` (works in Chromium and in the Electron window).
 */
export function downloadText(fileName: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  document.body.append(anchor);
  try {
    anchor.click();
  } finally {
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
