/** Markdown section for one real-GPU report (see render.mjs). */
export function renderReport(report: unknown, env?: { driver?: string; gpu?: string; cpu?: string; how?: string }): string;
