import { describe, expect, it } from 'vitest';
import { BackendError, ValueError, avgPool2d, conv2d, didYouMean, maxPool2d, setBackend, zeros, type Backend } from '../src/index.js';

// API misuse is a typed error that says what to pass, not a TypeError deep inside.
describe('API misuse', () => {
  it('setBackend takes a backend object, not its name', () => {
    expect(() => setBackend('wasm' as unknown as Backend)).toThrow(BackendError);
    expect(() => setBackend('wasm' as unknown as Backend)).toThrow(/setBackend: pass a backend object, e.g\. setBackend\(createCpuBackend\('wasm'\)\) or setBackend\(new CpuBackend\(\)\), not the name 'wasm'/);
    expect(() => setBackend({ name: 'half' } as unknown as Backend)).toThrow(/setBackend: .* has no alloc, write, read, free, run, memory/);
    expect(zeros([2]).shape).toEqual([2]); // the active backend is unchanged
  });

  it.each([
    ['maxPool2d', () => maxPool2d(zeros([1, 1, 4, 4]), 2 as never), /maxPool2d: options must be an object, e\.g\. maxPool2d\(x, \{ kernelSize: 2 \}\); got 2/],
    ['avgPool2d', () => avgPool2d(zeros([1, 1, 4, 4]), 2 as never), /avgPool2d: options must be an object, e\.g\. avgPool2d\(x, \{ kernelSize: 2 \}\); got 2/],
    ['conv2d', () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), 1 as never), /conv2d: options must be an object, e\.g\. conv2d\(x, w, \{ stride: 1, padding: 1 \}\); got 1/],
  ])('%s with a number where options go', (_op, call, message) => {
    expect(call).toThrow(ValueError);
    expect(call).toThrow(message);
  });

  it('didYouMean finds a close or containing name, and says nothing otherwise', () => {
    expect(didYouMean('hidden', ['channels', 'hiddenSize', 'inputSize'])).toBe(" (did you mean 'hiddenSize'?)");
    expect(didYouMean('widht', ['width', 'numBlocks'])).toBe(" (did you mean 'width'?)");
    expect(didYouMean('zzz', ['width', 'numBlocks'])).toBe('');
  });
});
