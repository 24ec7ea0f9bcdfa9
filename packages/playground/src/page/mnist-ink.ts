/**
 * A drawing made MNIST-like, as MNIST's digits were made: the ink's bounding box scaled (keeping
 * its aspect) to fit 20 x 20 pixels by area averaging, then placed in a 28 x 28 image so that its
 * centre of mass sits at the centre. `ink` is side x side values in [0, 1].
 */
export function mnistFromInk(ink: ArrayLike<number>, side: number): Float32Array {
  const out = new Float32Array(28 * 28);
  let x0 = side, y0 = side, x1 = -1, y1 = -1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (ink[y * side + x] > 0.05) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return out;
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const scale = 20 / Math.max(w, h);
  const sw = Math.max(1, Math.round(w * scale)), sh = Math.max(1, Math.round(h * scale));
  const small = new Float32Array(sw * sh);
  for (let oy = 0; oy < sh; oy++) {
    for (let ox = 0; ox < sw; ox++) {
      // The source rectangle this output pixel covers, averaged with fractional edge weights.
      const ax = x0 + ox / scale, bx = x0 + (ox + 1) / scale, ay = y0 + oy / scale, by = y0 + (oy + 1) / scale;
      let sum = 0, area = 0;
      for (let y = Math.floor(ay); y < Math.ceil(by) && y < side; y++) {
        const fy = Math.min(by, y + 1) - Math.max(ay, y);
        for (let x = Math.floor(ax); x < Math.ceil(bx) && x < side; x++) {
          const f = fy * (Math.min(bx, x + 1) - Math.max(ax, x));
          sum += f * ink[y * side + x];
          area += f;
        }
      }
      small[oy * sw + ox] = area > 0 ? Math.min(1, sum / area) : 0;
    }
  }
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = small[y * sw + x];
      mass += v; cx += v * x; cy += v * y;
    }
  }
  const dx = Math.round(14 - (mass > 0 ? cx / mass : sw / 2) - 0.5);
  const dy = Math.round(14 - (mass > 0 ? cy / mass : sh / 2) - 0.5);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = small[y * sw + x];
    }
  }
  return out;
}
