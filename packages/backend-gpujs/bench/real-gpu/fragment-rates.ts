// How fast the device's fragment shaders fetch texels and do arithmetic, on a bare headless-gl
// context (no gpu.js): the two rates that bound every gpu.js kernel, measured where the kernels
// ran. On the H200, gpu.js's matmul and a hand-written shader both ran at 27 GFLOP/s (two fetches
// per multiply-add): these rates say whether that is the device's fragment-shader texel rate.
//   node real-gpu.cjs --rates --out DIR      (bench/real-gpu.sh runs it after the report)
import { probeCapabilities } from '../../src/capabilities.js';

export interface FragmentRates {
  renderer: string;
  fragments: number;
  /** Texel fetches a second: one RGBA float fetch per iteration, neighbours reading neighbouring texels. */
  fetchesPerSecond: number;
  /** The same loop reading vec4s, counted in floats: what packing four floats a texel would buy. */
  floatsPerSecondAsVec4: number;
  /** Float32 operations a second in four independent multiply-add chains (2 per multiply-add). */
  flopsPerSecond: number;
  /** Median seconds of each kernel (five timed draws each, after one untimed). */
  seconds: { fetch: number; vec4?: number; alu: number };
  loop: number;
}

type GL = WebGLRenderingContext;

const VERTEX = 'attribute vec2 aPos;\nvoid main() { gl_Position = vec4(aPos, 0.0, 1.0); }';
const LOOP = 512;
const SIDE = 1024;
const TEX = 2048;

const FETCH = `precision highp float;
uniform sampler2D t;
void main() {
  vec2 p = floor(gl_FragCoord.xy);
  float s = 0.0;
  for (int k = 0; k < ${LOOP}; k++) {
    s += texture2D(t, (vec2(mod(p.x + float(k), ${TEX}.0), p.y) + 0.5) / ${TEX}.0).r;
  }
  gl_FragColor = vec4(s);
}`;

const ALU = `precision highp float;
uniform float u;
void main() {
  vec4 s = gl_FragCoord.xyxy * u;
  for (int k = 0; k < ${LOOP}; k++) {
    s = s * 0.999 + 0.5;
  }
  gl_FragColor = s;
}`;

function program(gl: GL, fragment: string): WebGLProgram {
  const shader = (type: number, src: string) => {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`fragment-rates: ${gl.getShaderInfoLog(s)}`);
    return s;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, shader(gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(p, shader(gl.FRAGMENT_SHADER, fragment));
  gl.bindAttribLocation(p, 0, 'aPos');
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`fragment-rates: ${gl.getProgramInfoLog(p)}`);
  return p;
}

/** Median seconds of one full-target draw of `p` (finished: a one-pixel read waits for it). */
function timeDraw(gl: GL, p: WebGLProgram): number {
  gl.useProgram(p);
  const pixel = new Float32Array(4);
  const once = () => {
    const t0 = performance.now();
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, pixel);
    return (performance.now() - t0) / 1000;
  };
  once();
  const samples = Array.from({ length: 5 }, once).sort((a, b) => a - b);
  return samples[2];
}

export function fragmentRates(createContext: (w: number, h: number, o?: object) => GL | null): FragmentRates {
  const gl = createContext(1, 1, { preserveDrawingBuffer: true });
  if (!gl) throw new Error('fragment-rates: no WebGL context');
  if (!gl.getExtension('OES_texture_float')) throw new Error('fragment-rates: no float textures');
  gl.getExtension('WEBGL_color_buffer_float');
  const texture = (w: number, h: number, data: Float32Array | null) => {
    const t = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, w, h, 0, gl.RGBA, gl.FLOAT, data);
    return t;
  };
  const input = new Float32Array(TEX * TEX * 4).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  gl.activeTexture(gl.TEXTURE0);
  const src = texture(TEX, TEX, input);
  const target = texture(SIDE, SIDE, null);
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, target, 0);
  if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) throw new Error('fragment-rates: float render target incomplete');
  gl.viewport(0, 0, SIDE, SIDE);
  const quad = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, quad);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(0);
  gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
  gl.bindTexture(gl.TEXTURE_2D, src);

  const fetch = program(gl, FETCH);
  gl.useProgram(fetch);
  gl.uniform1i(gl.getUniformLocation(fetch, 't'), 0);
  const fetchS = timeDraw(gl, fetch);
  const vec4 = program(gl, FETCH.replace('float s = 0.0;', 'vec4 s = vec4(0.0);').replace(').r;', ');').replace('gl_FragColor = vec4(s);', 'gl_FragColor = s;'));
  gl.useProgram(vec4);
  gl.uniform1i(gl.getUniformLocation(vec4, 't'), 0);
  const vec4S = timeDraw(gl, vec4);
  const alu = program(gl, ALU);
  gl.useProgram(alu);
  gl.uniform1f(gl.getUniformLocation(alu, 'u'), 1e-3);
  const aluS = timeDraw(gl, alu);
  const fragments = SIDE * SIDE;
  return {
    renderer: probeCapabilities('headlessgl', gl).renderer,
    fragments, loop: LOOP,
    fetchesPerSecond: (fragments * LOOP) / fetchS,
    floatsPerSecondAsVec4: (4 * fragments * LOOP) / vec4S,
    flopsPerSecond: (fragments * LOOP * 4 * 2) / aluS,
    seconds: { fetch: fetchS, vec4: vec4S, alu: aluS },
  };
}
