import type { Texture } from 'gpu.js';
import type { WebGLContext } from './modes.js';

/**
 * A hand-written GLSL ES 1.00 fragment shader run on gpu.js's own WebGL context, reading gpu.js
 * textures and rendering into one. It exists for the kernels where gpu.js's code generation is
 * the bottleneck: every `a[i]` read in a gpu.js kernel turns flat index i into a texel with two
 * integer divisions, which made a 2048 matmul run at 27 GFLOP/s on an H200 (docs/benchmarks.md).
 * A shader written here walks its operands texel by texel instead.
 *
 * Shaders see their texture operands as `uniform sampler2D t0, t1, ...` with `uniform vec2
 * tSize0, ...` (width, height in texels), the output texture's width as `uOutWidth`, and named
 * float uniforms. Each texture holds one float per texel in its red channel, element e at texel
 * (e mod width, floor(e / width)): gpu.js's single-precision layout.
 *
 * gpu.js keeps GL state across its kernel runs that it sets only when a kernel is built (the
 * viewport, the vertex attribute pointers), so a run here saves and restores what it changes.
 */
export class RawPrograms {
  private readonly programs = new Map<string, { program: WebGLProgram; uniforms: Map<string, WebGLUniformLocation | null> }>();
  private quad: WebGLBuffer | null = null;
  private framebuffer: WebGLFramebuffer | null = null;
  compiles = 0;
  /** Called once per compiled program (the device counts them with its gpu.js kernels). */
  onCompile?: () => void;

  constructor(private readonly gl: WebGLContext) {}

  get size(): number {
    return this.programs.size;
  }

  /** Render `fragment` into `out` (a gpu.js texture), reading `inputs`; `floats` and `vec2s` are uniforms. */
  run(name: string, fragment: string, out: Texture, inputs: readonly Texture[], floats: Record<string, number>, vec2s: Record<string, number[]> = {}): void {
    const gl = this.gl;
    const { program, uniforms } = this.program(name, fragment);
    const uniform = (n: string) => {
      if (!uniforms.has(n)) uniforms.set(n, gl.getUniformLocation(program, n));
      return uniforms.get(n) ?? null;
    };
    const size = (t: Texture) => (t as unknown as { size: [number, number] }).size;
    const glTexture = (t: Texture) => (t as unknown as { texture: WebGLTexture }).texture;
    const [outW, outH] = size(out);

    const saved = {
      viewport: gl.getParameter(gl.VIEWPORT) as Int32Array,
      arrayBuffer: gl.getParameter(gl.ARRAY_BUFFER_BINDING) as WebGLBuffer | null,
      activeTexture: gl.getParameter(gl.ACTIVE_TEXTURE) as number,
      attrib: {
        enabled: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_ENABLED) as boolean,
        buffer: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_BUFFER_BINDING) as WebGLBuffer | null,
        size: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_SIZE) as number,
        type: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_TYPE) as number,
        normalized: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_NORMALIZED) as boolean,
        stride: gl.getVertexAttrib(0, gl.VERTEX_ATTRIB_ARRAY_STRIDE) as number,
        offset: gl.getVertexAttribOffset(0, gl.VERTEX_ATTRIB_ARRAY_POINTER),
      },
    };

    gl.useProgram(program);
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.framebuffer ??= gl.createFramebuffer());
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, glTexture(out), 0);
    gl.viewport(0, 0, outW, outH);
    gl.scissor(0, 0, outW, outH);
    inputs.forEach((t, k) => {
      gl.activeTexture(gl.TEXTURE0 + k);
      gl.bindTexture(gl.TEXTURE_2D, glTexture(t));
      gl.uniform1i(uniform(`t${k}`), k);
      gl.uniform2f(uniform(`tSize${k}`), ...size(t));
    });
    gl.uniform1f(uniform('uOutWidth'), outW);
    for (const [n, v] of Object.entries(floats)) gl.uniform1f(uniform(n), v);
    for (const [n, [x, y]] of Object.entries(vec2s)) gl.uniform2f(uniform(n), x, y);
    if (!this.quad) {
      this.quad = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, this.quad);
      gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.quad);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);

    const a = saved.attrib;
    gl.bindBuffer(gl.ARRAY_BUFFER, a.buffer);
    if (a.buffer) gl.vertexAttribPointer(0, a.size, a.type, a.normalized, a.stride, a.offset);
    if (!a.enabled) gl.disableVertexAttribArray(0);
    gl.bindBuffer(gl.ARRAY_BUFFER, saved.arrayBuffer);
    gl.viewport(saved.viewport[0], saved.viewport[1], saved.viewport[2], saved.viewport[3]);
    gl.activeTexture(saved.activeTexture);
  }

  private program(name: string, fragment: string) {
    let entry = this.programs.get(fragment);
    if (entry) return entry;
    const gl = this.gl;
    const shader = (type: number, source: string) => {
      const s = gl.createShader(type)!;
      gl.shaderSource(s, source);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`${name}: shader does not compile: ${gl.getShaderInfoLog(s)}\n${source}`);
      return s;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, shader(gl.VERTEX_SHADER, 'attribute vec2 aPos;\nvoid main() { gl_Position = vec4(aPos, 0.0, 1.0); }'));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, fragment));
    gl.bindAttribLocation(program, 0, 'aPos');
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`${name}: program does not link: ${gl.getProgramInfoLog(program)}`);
    entry = { program, uniforms: new Map() };
    this.programs.set(fragment, entry);
    this.compiles++;
    this.onCompile?.();
    return entry;
  }

  destroy(): void {
    const gl = this.gl;
    for (const { program } of this.programs.values()) gl.deleteProgram(program);
    if (this.quad) gl.deleteBuffer(this.quad);
    if (this.framebuffer) gl.deleteFramebuffer(this.framebuffer);
    this.programs.clear();
  }
}

/** GLSL: exact floor(a / b) for non-negative integers below 2^24 held in floats. */
export const IDIV_GLSL = `float idiv(float a, float b) {
  float q = floor(a / b);
  float r = a - q * b;
  if (r < 0.0) q -= 1.0;
  else if (r >= b) q += 1.0;
  return q;
}`;
