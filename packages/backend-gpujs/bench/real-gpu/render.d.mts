/** Markdown section for one real-GPU report (see render.mjs); `complete: false` on the report marks a run cut off. */
export function renderReport(report: unknown, env?: { driver?: string; gpu?: string; cpu?: string; how?: string; build?: string }): string;
