import type { SplitRule } from './api.js';
import { gridSplit, leading } from './grid.js';
import { outputShapes } from './shapes.js';

/**
 * topk / topkMask: cut over rows. A single row longer than a texture cannot go through the
 * radix kernels (their key, count and mask buffers are as long as the row), so that row is
 * selected by the CPU backend's quickselect on a host copy: the same exact winners, found on the host.
 */
export function selectRule<K extends 'topk' | 'topkMask'>(kernel: K): SplitRule<K> {
  return (ctx, [x], attrs) => {
    const out = outputShapes[kernel]([x.shape], attrs as never)[0];
    return gridSplit(ctx, kernel, [x], [out], {
      depth: out.length - 2,
      piece: (box, axis) => ({ boxes: [leading(x.shape, box, axis)], attrs }),
      unit: 'host',
    });
  };
}
