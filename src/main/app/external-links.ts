/**
 * The links the app may open in the user's browser: only http(s) URLs that the main
 * process itself registered (the backend's URL, the desktop control server's dashboard…).
 * A URL that comes from the renderer (a link it shows, `window.open`) is opened only when it
 * is one of these, so a compromised or confused page cannot make the app launch an
 * arbitrary URL or protocol handler.
 */
export class ExternalLinks {
  private readonly allowed = new Set<string>();

  constructor(
    private readonly openUrl: (url: string) => Promise<void>,
    initial: Iterable<string> = [],
  ) {
    for (const url of initial) this.allow(url);
  }

  /**
   * Registers a link made by the main process. Compared after URL normalisation
   * (`http://Host:80/a` equals `http://host/a`).
   * @throws Error when the URL is not http(s): nothing else is ever opened.
   */
  allow(url: string): void {
    const normal = normalize(url);
    if (normal === null) throw new Error(`only http(s) links may be opened externally: ${url}`);
    this.allowed.add(normal);
  }

  /** True when `url` is an http(s) URL registered with {@link allow}. */
  isAllowed(url: string): boolean {
    const normal = normalize(url);
    return normal !== null && this.allowed.has(normal);
  }

  /**
   * Opens `url` in the user's browser when it is allowed.
   * @returns whether it was opened (false: refused, nothing happened).
   */
  open(url: string): boolean {
    if (!this.isAllowed(url)) return false;
    void this.openUrl(normalize(url) as string).catch(() => undefined);
    return true;
  }
}

/** The URL in canonical form, or null unless it is a plain http(s) URL without credentials. */
function normalize(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.username || parsed.password) return null;
  return parsed.href;
}
