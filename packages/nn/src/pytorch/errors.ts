import { KwtaError } from '@kwta/core';

/**
 * A PyTorch checkpoint (`torch.save` file) that cannot be read safely: a broken or lying
 * container, a pickle that asks for something outside the allowlist, a size over the limits,
 * or an object that is not a state dict. The message names the file, the place and the reason.
 */
export class CheckpointError extends KwtaError {}
