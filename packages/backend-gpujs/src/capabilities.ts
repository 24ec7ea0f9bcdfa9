import { BackendError } from '@kwta/core';
import { kernelClass, type GpuJsMode, type WebGLContext } from './modes.js';

/** What the device behind a backend can do, as measured when the backend starts. */
export interface Capabilities {
  mode: GpuJsMode;
  /** The real GPU and driver where the browser tells (WEBGL_debug_renderer_info), else the masked string. */
  renderer: string;
  vendor: string;
  version: string;
  shadingLanguage: string;
  /** Largest texture side; null in cpu/webasm (no textures). */
  maxTextureSize: number | null;
  /** Textures one shader may read; null in cpu/webasm. */
  maxTextureImageUnits: number | null;
  /** float32 textures can be created (WebGL2, or OES_texture_float). */
  floatTextures: boolean;
  /** float32 textures can be rendered to and read back (EXT_color_buffer_float or equivalent), as gpu.js tested it. */
  floatRenderTargets: boolean;
  /** Fragment-shader highp float (precision in bits: 23 for IEEE float32); null if unsupported. */
  highpFloat: { precision: number; rangeMin: number; rangeMax: number } | null;
  /** gpu.js's own probe: integer division gives exact results (it compensates when not). */
  integerDivisionAccurate: boolean | null;
}

interface GpuJsFeatures {
  isFloatRead: boolean;
  isTextureFloat: boolean;
  isIntegerDivisionAccurate: boolean;
}

const RENDERER_INFO = { renderer: 0x9246, vendor: 0x9245 };

/**
 * headless-gl masks RENDERER as "ANGLE" in JavaScript; the native method underneath reports what
 * ANGLE runs on (the GL driver's renderer string).
 */
function nativeParameter(gl: WebGLContext, pname: number): unknown {
  let proto = Object.getPrototypeOf(gl) as { getParameter?: (p: number) => unknown } | null;
  while (proto && Object.getPrototypeOf(proto) && Object.getPrototypeOf(proto).getParameter) proto = Object.getPrototypeOf(proto);
  return proto?.getParameter?.call(gl, pname);
}

function rendererStrings(mode: GpuJsMode, gl: WebGLContext): { renderer: string; vendor: string } {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  if (info) return { renderer: String(gl.getParameter(RENDERER_INFO.renderer)), vendor: String(gl.getParameter(RENDERER_INFO.vendor)) };
  if (mode === 'headlessgl') {
    return { renderer: String(nativeParameter(gl, gl.RENDERER) ?? gl.getParameter(gl.RENDERER)), vendor: String(nativeParameter(gl, gl.VENDOR) ?? gl.getParameter(gl.VENDOR)) };
  }
  return { renderer: String(gl.getParameter(gl.RENDERER)), vendor: String(gl.getParameter(gl.VENDOR)) };
}

/** Measure the device of a GL context (null for cpu/webasm, which need nothing from a GPU). */
export function probeCapabilities(mode: GpuJsMode, gl: WebGLContext | null): Capabilities {
  if (!gl) {
    return {
      mode, renderer: `gpu.js ${mode} mode (no GPU)`, vendor: 'gpu.js', version: '', shadingLanguage: '',
      maxTextureSize: null, maxTextureImageUnits: null, floatTextures: true, floatRenderTargets: true,
      highpFloat: { precision: 23, rangeMin: 127, rangeMax: 127 }, integerDivisionAccurate: null,
    };
  }
  const features = (kernelClass(mode) as { features: GpuJsFeatures }).features;
  const hp = gl.getShaderPrecisionFormat(gl.FRAGMENT_SHADER, gl.HIGH_FLOAT);
  return {
    mode,
    ...rendererStrings(mode, gl),
    version: String(gl.getParameter(gl.VERSION)),
    shadingLanguage: String(gl.getParameter(gl.SHADING_LANGUAGE_VERSION)),
    maxTextureSize: Number(gl.getParameter(gl.MAX_TEXTURE_SIZE)),
    maxTextureImageUnits: Number(gl.getParameter(gl.MAX_TEXTURE_IMAGE_UNITS)),
    floatTextures: Boolean(features?.isTextureFloat),
    floatRenderTargets: Boolean(features?.isFloatRead),
    highpFloat: hp && hp.precision > 0 ? { precision: hp.precision, rangeMin: hp.rangeMin, rangeMax: hp.rangeMax } : null,
    integerDivisionAccurate: features ? Boolean(features.isIntegerDivisionAccurate) : null,
  };
}

/** Texture units the widest kernel reads at once (a concat group). */
export const REQUIRED_TEXTURE_UNITS = 8;

/** What this backend needs from a GPU and `c` lacks, each with why (empty: all present). */
export function missingCapabilities(c: Capabilities): string[] {
  const missing: string[] = [];
  if (!c.floatTextures) missing.push('float32 textures (OES_texture_float / WebGL2): tensors are stored as float32 textures');
  if (!c.floatRenderTargets) missing.push('float32 render targets (EXT_color_buffer_float / WEBGL_color_buffer_float): every kernel writes float32 results');
  if (!c.highpFloat || c.highpFloat.precision < 23) {
    missing.push(`highp float in fragment shaders (this device gives ${c.highpFloat ? `${c.highpFloat.precision}-bit` : 'none'}; float32 needs 23): with mediump, results and k-WTA winners would be silently wrong`);
  }
  if (c.maxTextureImageUnits !== null && c.maxTextureImageUnits < REQUIRED_TEXTURE_UNITS) {
    missing.push(`${REQUIRED_TEXTURE_UNITS} texture units per shader (this device has ${c.maxTextureImageUnits})`);
  }
  return missing;
}

/** Refuse a device that would compute wrong answers, saying what is missing and what to use instead. */
export function requireCapabilities(c: Capabilities): void {
  const missing = missingCapabilities(c);
  if (missing.length === 0) return;
  throw new BackendError(
    `gpujs backend: mode "${c.mode}" on "${c.renderer}" cannot compute float32 kernels correctly; missing: ${missing.join('; ')}. ` +
      'Use mode "cpu" or "webasm" of this backend, or the core CPU / wasm backends, on this device',
  );
}
