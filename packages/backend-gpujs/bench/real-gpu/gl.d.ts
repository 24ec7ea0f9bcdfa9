// headless-gl (gpu.js's optional dependency) ships no types: the one call fragment-rates.ts makes.
declare module 'gl' {
  const createContext: (width: number, height: number, options?: object) => WebGLRenderingContext | null;
  export default createContext;
}
