import type { KernelName } from '@kwta/core';

/**
 * Kernels this backend runs as the CPU backend's kernel on host copies, never on the device: the
 * sparse kernels of a layer after a k-WTA (@kwta/core docs/sparse.md). Their gathers and scatters
 * through winner indices are what a texture-per-output gpu.js kernel does worst, and no sparse
 * kernel wins here: the backend advertises no `sparseRates`, so the ops run them only when the
 * sparse path is forced on ('always', as the conformance suite does).
 */
export const HOST_KERNELS = [
  'winners', 'nonzeros', 'sparseLinear', 'sparseLinearWeightGrad', 'sparseLinearInputGrad',
  'sparseConv2d', 'sparseConv2dBackwardFilter', 'sparseConv2dBackwardInput',
] as const satisfies readonly KernelName[];

export type HostKernelName = (typeof HOST_KERNELS)[number];
/** The kernels with a gpu.js implementation (every table of this package is keyed by these). */
export type DeviceKernelName = Exclude<KernelName, HostKernelName>;

export const isHostKernel = (kernel: KernelName): kernel is HostKernelName => (HOST_KERNELS as readonly KernelName[]).includes(kernel);
