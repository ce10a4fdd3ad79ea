import type { UserProfile } from '../../shared/entities';

/** What a session may keep across restarts: the JWT and, if the user asked, the credentials. */
export interface SessionSecrets {
  token: string | null;
  user: UserProfile | null;
  credentials: { email: string; password: string } | null;
}

/**
 * Where session secrets live between runs. Desktop: encrypted with Electron safeStorage;
 * headless: memory only. Never plain text on disk.
 */
export interface SecretStore {
  load(): Promise<SessionSecrets | null>;
  save(secrets: SessionSecrets): Promise<void>;
  clear(): Promise<void>;
}

/** Keeps secrets in memory only (headless, tests). */
export class MemorySecretStore implements SecretStore {
  private secrets: SessionSecrets | null = null;
  async load(): Promise<SessionSecrets | null> {
    return this.secrets;
  }
  async save(secrets: SessionSecrets): Promise<void> {
    this.secrets = secrets;
  }
  async clear(): Promise<void> {
    this.secrets = null;
  }
}

/**
 * The client's session, held in the main process only: the JWT, the user, and saved
 * credentials when the user asked to be remembered. `relogin` is shared: concurrent calls
 * that all got a 401 wait for one login.
 */
export class Session {
  token: string | null = null;
  user: UserProfile | null = null;
  credentials: { email: string; password: string } | null = null;
  private reloginInFlight: Promise<boolean> | null = null;
  private loaded = false;

  constructor(private readonly store: SecretStore) {}

  /** Loads what the store kept (once). */
  async restore(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const saved = await this.store.load().catch(() => null);
    if (!saved) return;
    this.token = saved.token;
    this.user = saved.user;
    this.credentials = saved.credentials;
  }

  /** Sets a fresh login and persists it (credentials only when `remember`). */
  async set(token: string, user: UserProfile, credentials: { email: string; password: string } | null): Promise<void> {
    this.token = token;
    this.user = user;
    this.credentials = credentials;
    await this.store.save({ token, user, credentials }).catch(() => undefined);
  }

  /** Forgets everything (logout, or an expired session without saved credentials). */
  async clear(): Promise<void> {
    this.token = null;
    this.user = null;
    this.credentials = null;
    await this.store.clear().catch(() => undefined);
  }

  /**
   * One re-login shared by every caller until it settles; resolves true when a new token
   * was obtained. `login` performs the actual request with the saved credentials.
   */
  relogin(
    login: (credentials: { email: string; password: string }) => Promise<{ token: string; user: UserProfile }>,
  ): Promise<boolean> {
    if (!this.credentials) return Promise.resolve(false);
    if (!this.reloginInFlight) {
      const credentials = this.credentials;
      this.reloginInFlight = login(credentials)
        .then(async ({ token, user }) => {
          await this.set(token, user, credentials);
          return true;
        })
        .catch(() => false)
        .finally(() => {
          this.reloginInFlight = null;
        });
    }
    return this.reloginInFlight;
  }
}
