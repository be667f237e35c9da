// Identifiers a UA generates: RFC 3261 §8.1.1.7 (branch), §19.3 (tags) and
// §8.1.1.4 (Call-ID). All need global uniqueness and, for tags and Call-IDs,
// enough randomness not to be guessed (§19.3: "at least 32 bits of
// randomness"). Output is base64url, whose characters are all token characters.

import { randomBytes } from 'node:crypto';

// §8.1.1.7 — "The branch ID inserted by an element compliant with this
// specification MUST always begin with the characters "z9hG4bK"."
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

// Random bytes come from a pool refilled 4 KiB at a time: one syscall per few
// hundred identifiers instead of one each, on the REGISTER hot path.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

export function randomToken(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_SIZE, bytes));
    offset = 0;
  }
  const s = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return s;
}

/** A new RFC 3261 branch: the magic cookie and 96 random bits. */
export function generateBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomToken(12);
}

/** A new From/To tag with 64 random bits. */
export function generateTag(): string {
  return randomToken(8);
}

/** A new Call-ID with 128 random bits, `@host` appended when given (§8.1.1.4). */
export function generateCallId(host?: string): string {
  const id = randomToken(16);
  return host ? `${id}@${host}` : id;
}

/**
 * True for a branch made by an RFC 3261 element. A bare "z9hG4bK" is not one:
 * RFC 4475 §3.2.1 — such a request must be matched by the RFC 2543 rules.
 */
export function isRfc3261Branch(branch: string | undefined): boolean {
  return branch !== undefined && branch.length > BRANCH_MAGIC_COOKIE.length && branch.startsWith(BRANCH_MAGIC_COOKIE);
}
