import { BackendError } from '@kwta/core';

/**
 * The WebGL context behind a gpujs backend was lost (tab in the background, driver reset, GPU
 * switch, WEBGL_lose_context): nothing runs on it any more, and tensors that lived on it are gone.
 * `backend.recover()` starts a new context; see the README for what survives.
 */
export class ContextLostError extends BackendError {}
