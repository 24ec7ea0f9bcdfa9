/**
 * Every error the engine raises on bad input is a KwtaError subclass that names the op and the
 * argument at fault, so callers can catch by type and users see what to fix.
 */
export class KwtaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together (broadcasting, matmul inner dims, reshape sizes...). */
export class ShapeError extends KwtaError {}
/** An axis outside [-rank, rank). */
export class AxisError extends KwtaError {}
/** Two dtypes mixed where one is required, or a dtype the op does not accept. */
export class DTypeError extends KwtaError {}
/** A value outside what the op accepts (negative k, non-finite where forbidden, ...). */
export class ValueError extends KwtaError {}
/** A tensor used after its storage was released. */
export class DisposedError extends KwtaError {}
/** A gradient rule produced a gradient of the wrong shape or dtype, or grad was misused. */
export class GradientError extends KwtaError {}
/** Two tensors living on different backends met in one op. */
export class BackendError extends KwtaError {}
/** Anomaly mode (`detectAnomaly`) found a kernel whose output is not finite. */
export class AnomalyError extends KwtaError {}
/**
 * An allocation refused: it would pass the backend's memory limit (`setMemoryLimit`), or the
 * JavaScript engine could not make it. Says which op asked, for what shape, and how many bytes.
 */
export class OutOfMemoryError extends KwtaError {
  readonly op: string;
  readonly shape: readonly number[];
  readonly dtype: string | null;
  readonly bytes: number | null;

  constructor(message: string, at: { op: string; shape: readonly number[]; dtype: string | null; bytes: number | null }) {
    super(message);
    ({ op: this.op, shape: this.shape, dtype: this.dtype, bytes: this.bytes } = at);
  }
}

/** A shape as error messages print it: `[2,3,4]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
