import { tf, type TfjsWorkload } from '../../contenders/tfjs.js';
import { FCHW_TO_HWCF, NCHW_TO_NHWC, permute } from '../data.js';
import { finalSide, type MnistInit, type MnistStepConfig } from './config.js';

let nextId = 0;

/**
 * The same network in tfjs ops (no tfjs-layers): NHWC conv2d with explicit padding 1 (tfjs's
 * 'same' would pad a stride-2 layer only at the bottom/right), bias add, relu, matMul, softmax
 * cross-entropy, `tf.variableGrads` and an SGD update per variable. The weights are kwta's,
 * permuted to tfjs's layouts: filters [F, C, 3, 3] → [3, 3, C, F]; the hidden layer's [H, C·s·s]
 * (rows in NCHW flatten order) → [s·s·C, H] in NHWC flatten order, which is the same permutation
 * with the hidden units as "filters".
 */
export function tfjsMnistStep(cfg: MnistStepConfig, init: MnistInit): TfjsWorkload {
  if (cfg.momentum !== 0) throw new Error('tfjsMnistStep: plain SGD only (momentum 0)');
  const id = nextId++;
  const side = finalSide(cfg);
  const p = init.params;
  const variable = (i: number, values: Float32Array, shape: number[]) => tf.variable(tf.tensor(values, shape), true, `mnist${id}_${p[i].name}`);
  const convs = [0, 1, 2, 3].map((l) => {
    const [F, C] = p[2 * l].shape;
    return { w: variable(2 * l, permute(p[2 * l].values, p[2 * l].shape, FCHW_TO_HWCF), [3, 3, C, F]), b: variable(2 * l + 1, p[2 * l + 1].values, [F]), stride: l % 2 === 1 ? 2 : 1 };
  });
  const c3 = cfg.channels[3];
  const w1 = variable(8, permute(p[8].values, [cfg.hidden, c3, side, side], FCHW_TO_HWCF), [side * side * c3, cfg.hidden]);
  const b1 = variable(9, p[9].values, [cfg.hidden]);
  const w2 = variable(10, permute(p[10].values, [10, cfg.hidden], [1, 0]), [cfg.hidden, 10]);
  const b2 = variable(11, p[11].values, [10]);
  const vars = [...convs.flatMap((c) => [c.w, c.b]), w1, b1, w2, b2];
  const x = tf.tensor4d(permute(init.x, [cfg.batch, 1, cfg.size, cfg.size], NCHW_TO_NHWC), [cfg.batch, cfg.size, cfg.size, 1]);
  const onehot = tf.cast(tf.oneHot(tf.tensor1d(init.labels, 'int32'), 10), 'float32');
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];

  const loss = (): tf.Scalar => {
    let h: tf.Tensor4D = x;
    for (const c of convs) h = tf.relu(tf.add(tf.conv2d(h, c.w as tf.Tensor4D, c.stride, pad), c.b)) as tf.Tensor4D;
    const hidden = tf.relu(tf.add(tf.matMul(tf.reshape(h, [cfg.batch, -1]) as tf.Tensor2D, w1 as tf.Tensor2D), b1)) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(hidden, w2 as tf.Tensor2D), b2);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), -1))) as tf.Scalar;
  };
  const step = (): tf.Scalar => {
    const { value, grads } = tf.variableGrads(loss, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], cfg.lr)));
    return value;
  };
  return {
    inputs: [x, onehot, ...vars],
    run: step,
    outputs: () => {
      const [l0, l1] = tf.tidy(() => [step().dataSync()[0], loss().dataSync()[0]]);
      return [Float32Array.of(l0, l1)];
    },
  };
}
