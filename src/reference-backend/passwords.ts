import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** bcrypt cost factor: ~60-100 ms per hash with bcryptjs on these machines. */
export const BCRYPT_COST = 10;

/** Hashes a password with bcrypt. Only the first 72 bytes count (bcrypt's limit). */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

// Compared against when the e-mail is unknown, so that a wrong e-mail takes as long as a
// wrong password and log-in timing does not reveal which accounts exist.
let dummyHash: Promise<string> | undefined;

/**
 * True when `password` matches `hash`. With `hash` undefined (no such user) it still
 * spends the time of one comparison and returns false.
 */
export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash === undefined) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await bcrypt.compare(password, await dummyHash);
    return false;
  }
  return bcrypt.compare(password, hash);
}

/** A random password of 20 URL-safe characters (~120 bits), for the seeded admin. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
