import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * A Vega-Lite chart in the page (rendered by Vega's View as SVG). Its named data sets are
 * replaced as numbers arrive; redraws are batched to one per animation frame, so a stream of
 * training steps costs one render per frame at most.
 */
export class Plot {
  readonly view: View;
  private pending = new Map<string, unknown[]>();
  private scheduled = false;

  constructor(container: HTMLElement, spec: TopLevelSpec) {
    container.replaceChildren();
    this.view = new View(parse(compile(spec).spec), { renderer: 'svg', container, hover: true });
    void this.view.runAsync();
  }

  /** Replace data set `name` (drawn at the next animation frame). */
  set(name: string, values: unknown[]): void {
    this.pending.set(name, values);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => void this.flush());
  }

  /** Replace several data sets and draw now. */
  async show(data: Record<string, unknown[]>): Promise<void> {
    for (const [name, values] of Object.entries(data)) this.pending.set(name, values);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    for (const [name, values] of this.pending) this.view.data(name, values);
    this.pending.clear();
    await this.view.runAsync();
  }

  finalize(): void {
    this.view.finalize();
  }
}
