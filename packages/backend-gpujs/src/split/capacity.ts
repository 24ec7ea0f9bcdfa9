/**
 * How many float32 elements one device buffer may hold.
 *
 * Two limits meet here. gpu.js lays a buffer of n elements out as a near-square texture
 * (utils.closestSquareDimensions), whose sides must stay within MAX_TEXTURE_SIZE: every
 * n <= (side - 1)^2 fits (checked exhaustively for sides up to 200 in test/capacity.test.ts).
 * And shaders do index arithmetic in float32, exact only below 2^24: a flat index past that
 * would silently read the wrong element. Every kernel launch is planned so that each operand,
 * result and temporary stays within this capacity (src/split/), which keeps both true.
 */
export const EXACT_INDEX_LIMIT = 2 ** 24;

/** How many float32 elements one buffer may hold when textures have at most `side` texels a side. */
export function textureCapacity(side: number): number {
  return Math.min(EXACT_INDEX_LIMIT, (side - 1) * (side - 1));
}
