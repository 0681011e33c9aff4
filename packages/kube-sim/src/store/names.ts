// Generated name suffixes, drawn from the real API server's alphabet (no vowels, no look-alikes).
import { randomInt } from "node:crypto";

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(length = 5): string {
  let suffix = "";
  for (let i = 0; i < length; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return suffix;
}
