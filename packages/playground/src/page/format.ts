/** How the page writes numbers; a test formats the Node engine's numbers the same way to compare. */
export const formatLoss = (v: number): string => v.toFixed(4);
export const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
export const formatAccuracy = pct;
export const formatNorm = (v: number): string => v.toFixed(3);
