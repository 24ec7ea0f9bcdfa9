import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Render a Vega-Lite spec to an SVG string (no browser, no canvas needed). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render and write `path` (directories created as needed). */
export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}
