import type { KernelAttrs, Pool2dAttrs } from '../../backend.js';
import { makeArray } from '../../dtype.js';
import { convOutSize, type Shape } from '../../shape.js';
import type { CpuArray } from './types.js';

function poolGeometry(shape: Shape, a: Pool2dAttrs) {
  const [N, C, H, W] = shape;
  const OH = convOutSize(H, a.kernel[0], a.stride[0], a.pad[0]);
  const OW = convOutSize(W, a.kernel[1], a.stride[1], a.pad[1]);
  return { planes: N * C, N, C, H, W, OH, OW };
}

export function maxPool2d([x]: CpuArray[], attrs: KernelAttrs['maxPool2d']): CpuArray[] {
  const { planes, N, C, H, W, OH, OW } = poolGeometry(x.shape, attrs);
  const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.pad;
  const y = makeArray(x.dtype, planes * OH * OW);
  const arg = makeArray('int32', planes * OH * OW) as Int32Array;
  const v = x.values;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let best = -Infinity, bi = -1;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j;
            if (iw < 0 || iw >= W) continue;
            const val = v[base + ih * W + iw];
            // A NaN wins over everything and keeps its place (PyTorch's max_pool2d propagates NaN).
            if (bi < 0 || val > best || (val !== val && best === best)) {
              best = val;
              bi = ih * W + iw;
            }
          }
        }
        y[o] = best;
        arg[o] = bi;
      }
    }
  }
  return [
    { values: y, shape: [N, C, OH, OW], dtype: x.dtype },
    { values: arg, shape: [N, C, OH, OW], dtype: 'int32' },
  ];
}

export function maxPool2dBackward([dy, arg]: CpuArray[], { inputShape }: KernelAttrs['maxPool2dBackward']): CpuArray[] {
  const [N, C, H, W] = inputShape;
  const dx = makeArray(dy.dtype, N * C * H * W);
  const per = dy.shape[2] * dy.shape[3];
  for (let p = 0; p < N * C; p++) {
    for (let t = 0; t < per; t++) {
      const o = p * per + t;
      dx[p * H * W + arg.values[o]] += dy.values[o];
    }
  }
  return [{ values: dx, shape: [...inputShape], dtype: dy.dtype }];
}

export function avgPool2d([x]: CpuArray[], attrs: KernelAttrs['avgPool2d']): CpuArray[] {
  const { planes, N, C, H, W, OH, OW } = poolGeometry(x.shape, attrs);
  const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.pad;
  const y = makeArray(x.dtype, planes * OH * OW);
  const inv = 1 / (kh * kw);
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let s = 0;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j;
            if (iw >= 0 && iw < W) s += x.values[base + ih * W + iw];
          }
        }
        y[o] = s * inv;
      }
    }
  }
  return [{ values: y, shape: [N, C, OH, OW], dtype: x.dtype }];
}

export function avgPool2dBackward([dy]: CpuArray[], attrs: KernelAttrs['avgPool2dBackward']): CpuArray[] {
  const { planes, H, W, OH, OW } = poolGeometry(attrs.inputShape, attrs);
  const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.pad;
  const dx = makeArray(dy.dtype, planes * H * W);
  const inv = 1 / (kh * kw);
  for (let p = 0, o = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        const g = dy.values[o] * inv;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh - ph + i;
          if (ih < 0 || ih >= H) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw - pw + j;
            if (iw >= 0 && iw < W) dx[base + ih * W + iw] += g;
          }
        }
      }
    }
  }
  return [{ values: dx, shape: [...attrs.inputShape], dtype: dy.dtype }];
}
