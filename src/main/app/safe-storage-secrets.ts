import { readFile, rm, writeFile } from 'node:fs/promises';
import { safeStorage } from 'electron';
import type { SecretStore, SessionSecrets } from '../client/session';

/**
 * Desktop secret store: the session (JWT, user, saved credentials) encrypted with
 * Electron `safeStorage` (the OS keychain / DPAPI / libsecret) in one file, mode 0600.
 * Where the OS offers no encryption, nothing is written: the session lives in memory only,
 * never in plain text.
 */
export class SafeStorageSecretStore implements SecretStore {
  private memory: SessionSecrets | null = null;

  constructor(
    private readonly file: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  async load(): Promise<SessionSecrets | null> {
    if (this.memory) return this.memory;
    if (!safeStorage.isEncryptionAvailable()) return null;
    try {
      const data = await readFile(this.file);
      return JSON.parse(safeStorage.decryptString(data)) as SessionSecrets;
    } catch {
      return null;
    }
  }

  async save(secrets: SessionSecrets): Promise<void> {
    this.memory = secrets;
    if (!safeStorage.isEncryptionAvailable()) {
      this.warn('no OS encryption for secrets here: the backend session is kept in memory only');
      return;
    }
    await writeFile(this.file, safeStorage.encryptString(JSON.stringify(secrets)), { mode: 0o600 });
  }

  async clear(): Promise<void> {
    this.memory = null;
    await rm(this.file, { force: true });
  }
}
