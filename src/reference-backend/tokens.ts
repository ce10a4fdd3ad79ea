import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { readPrivateFile, writePrivateFile } from './private-file';

/** File in the data folder that keeps the generated JWT secret (mode 0600). */
export const JWT_SECRET_FILE = 'jwt-secret';

/** Lifetime of an issued token, seconds (24 h). */
export const TOKEN_TTL_SECS = 24 * 60 * 60;

const ISSUER = 'reference-backend';

/** Role of a user, as in the contract. */
export type Role = 'user' | 'admin';

/** What a valid token says about its bearer. `expiresAt` is a Date from the `exp` claim. */
export interface TokenClaims {
  userId: string;
  role: Role;
  expiresAt: Date;
}

/**
 * Returns the JWT secret: `configured` when given, else the one stored in
 * `<dataDir>/jwt-secret`, creating it (32 random bytes, base64url, mode 0600) on first use.
 * Keeping it on disk means tokens survive a restart of the backend.
 * @throws when the stored file exists but is too short to be a secret we wrote, or when
 * something other than a regular file (a symbolic link, a FIFO, a folder) is at its path.
 */
export async function loadJwtSecret(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, JWT_SECRET_FILE);
  // Never through a symbolic link, never blocked by a FIFO (private-file.ts).
  const stored = (await readPrivateFile(file))?.trim();
  if (stored !== undefined) {
    if (stored.length < 32) throw new Error(`${file} holds no valid secret (delete it to generate a new one)`);
    return stored;
  }
  const secret = randomBytes(32).toString('base64url');
  await writePrivateFile(file, `${secret}\n`, dataDir);
  return secret;
}

/** Issues and checks HS256 JWTs (`sub` = user id, `role` claim). */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** A signed token for `userId` with `role`, valid for {@link TOKEN_TTL_SECS}. */
  sign(userId: string, role: Role): Promise<string> {
    return new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_TTL_SECS}s`)
      .sign(this.key);
  }

  /** The claims of a valid token, or undefined when it is malformed, forged or expired. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER });
      const role = payload['role'];
      if (typeof payload.sub !== 'string' || (role !== 'user' && role !== 'admin') || payload.exp === undefined) {
        return undefined;
      }
      return { userId: payload.sub, role, expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return undefined;
      throw err;
    }
  }
}
