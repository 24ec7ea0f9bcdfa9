/**
 * A 32-bit seed mixed from several integers (murmur3's finaliser after each part): per-example
 * streams are derived as mixSeed(evaluationSeed, unit, exampleIndex), so they do not depend on
 * batching, sharding or the order examples run in.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (Math.floor(p) >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    h = (h + (Math.floor(p / 2 ** 32) >>> 0) + 0x27d4eb2f) >>> 0;
  }
  return h >>> 0;
}

/** A stable 32-bit hash of a string (FNV-1a), to turn names into seed parts. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193) >>> 0;
  return h;
}
