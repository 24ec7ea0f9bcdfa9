import { register } from 'node:module';

/**
 * tfjs-core's Node build (`tf-core.node.js`) registers no gradient functions: the union package
 * `@tensorflow/tfjs` imports them from `dist/register_all_gradients.js`, an ES module whose
 * relative imports have no file extension (written for bundlers), so Node cannot load it as is.
 * A resolve hook adds the extension for files under tfjs-core's dist, and the registrations
 * land in tfjs's process-wide registry (kept on globalThis, shared with the CommonJS build), so
 * `tf.variableGrads` works on tfjs-backend-cpu. Costs about a second, once.
 */
const HOOK = `export async function resolve(spec, ctx, next) {
  try { return await next(spec, ctx); } catch (e) {
    const inTfjsCore = /^\\.\\.?(\\/|$)/.test(spec) && ctx.parentURL && ctx.parentURL.includes('/@tensorflow/tfjs-core/dist/');
    if (!inTfjsCore) throw e;
    try { return await next(spec + '.js', ctx); } catch { return next(spec + '/index.js', ctx); }
  }
}`;

let loaded: Promise<void> | undefined;

export function registerTfjsGradients(): Promise<void> {
  loaded ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return loaded;
}
