import { Generator, tensor } from '@kwta/core';
import { landscapeSpec, lossLandscape, type Landscape } from '@kwta/experiments';
import type { Module } from '@kwta/nn';
import { NETS, NET_LABEL, type LandscapeGrid, type LandscapeView, type Net } from '../protocol.js';

/**
 * The paper's Figure 5 around one digit, for both networks: the attack loss on the plane
 * spanned by the loss gradient's sign and a random sign direction (experiments' lossLandscape,
 * the same random direction for both).
 */
export function landscapes(models: Record<Net, Module>, pixels: ArrayLike<number>, label: number, eps: number, size: number, seed: number): LandscapeView {
  const t0 = performance.now();
  const x = tensor(Float32Array.from(pixels), [1, 1, 28, 28]);
  const found = {} as Record<Net, Landscape>;
  try {
    for (const net of NETS) found[net] = lossLandscape(models[net].eval(), x, label, { eps, size, gen: new Generator(seed) });
  } finally {
    x.dispose();
  }
  const nets = {} as Record<Net, LandscapeGrid>;
  for (const net of NETS) {
    const l = found[net];
    nets[net] = { axis: l.axis, loss: l.loss, roughness: l.roughness, jumpFraction: l.jumpFraction, range: l.range };
  }
  const spec = landscapeSpec(NETS.map((net) => ({ title: NET_LABEL[net], landscape: found[net] })), `Loss around a test digit (label ${label})`);
  return { label, nets, spec, seconds: (performance.now() - t0) / 1000 };
}
