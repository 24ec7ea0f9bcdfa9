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

/**
 * For "unknown name" errors: ` (did you mean 'x'?)` naming the candidate closest to `name`
 * (one containing the other, else the smallest edit distance within a third of its length,
 * case-insensitive), or '' when none is close.
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const n = name.toLowerCase();
  let best: string | null = null, bestScore = Infinity;
  for (const c of candidates) {
    const l = c.toLowerCase();
    const contains = n.length >= 3 && (l.includes(n) || n.includes(l));
    const score = contains ? 0.5 : editDistance(n, l);
    if (score < bestScore && (contains || score <= Math.max(1, Math.floor(n.length / 3)))) [best, bestScore] = [c, score];
  }
  return best === null ? '' : ` (did you mean '${best}'?)`;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
function editDistance(a: string, b: string): number {
  let before: number[] = [], prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length];
}
