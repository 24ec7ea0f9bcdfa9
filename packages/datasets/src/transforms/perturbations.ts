import { colorJitter } from './color.js';
import { randomRotation, randomTranslation } from './geometric.js';
import type { Transform } from './images.js';
import { gaussianNoise } from './noise.js';

/**
 * The natural perturbations of the paper's Table 5 (Appendix), with its parameters: Gaussian
 * noise with std 0.05 and 0.1, translation up to 5 pixels, rotation up to 10 degrees, and colour
 * jitter of brightness, contrast and saturation up to 0.4. Keys are the table's column names.
 */
export function naturalPerturbations(): Record<'GN(0.05)' | 'GN(0.1)' | 'Translation' | 'Rotation' | 'ColorJitter', Transform> {
  return {
    'GN(0.05)': gaussianNoise(0.05),
    'GN(0.1)': gaussianNoise(0.1),
    Translation: randomTranslation(5),
    Rotation: randomRotation(10),
    ColorJitter: colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 }),
  };
}
