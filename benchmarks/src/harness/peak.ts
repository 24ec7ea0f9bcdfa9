import { readFileSync } from 'node:fs';

/**
 * The machine's limit for 128-bit SIMD (WebAssembly f32x4) arithmetic, to put a GEMM's GFLOP/s
 * in proportion. Assumption, stated in every report: a core issues two f32x4 multiplies and two
 * f32x4 adds per cycle (AMD Zen 4/5: two FMUL/FMA and two FADD pipes; WebAssembly SIMD in Node 20
 * has no fused multiply-add, so a GEMM needs a mul and an add per multiply-add) = 4 vector ops x
 * 4 lanes = 16 flops per cycle per core.
 */
export const SIMD128_FLOPS_PER_CYCLE = 16;

export interface SimdPeak {
  /** `cpu MHz` of /proc/cpuinfo (the VM reports the nominal clock; null off Linux). */
  cpuinfoMHz: number | null;
  /** Clock measured with a chain of dependent i32 adds (one per cycle): the boost clock really running. */
  measuredGHz: number;
  flopsPerCycle: number;
  cores: number;
  /** flopsPerCycle x measured clock x cores: the limit these suites compare with. */
  peakGflops: number;
  /** The same at the /proc/cpuinfo clock, for reference. */
  peakGflopsAtCpuinfoClock: number | null;
  assumption: string;
}

export function cpuinfoMHz(): number | null {
  try {
    const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

const CHAIN = 32;

/**
 * (func (param $n i32) (param $y i32) (result i32) (local $x i32)
 *   (loop  32 x (local.set $x (i32.add (local.get $x) (local.get $y)))
 *          (br_if 0 (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
 *   (local.get $x))
 * Each add depends on the previous one (1 cycle latency on x86); the loop counter runs beside
 * them, so one iteration takes ~32 cycles. Written as bytes: no toolchain.
 */
function chainModule(): Uint8Array<ArrayBuffer> {
  const body = [
    0x01, 0x01, 0x7f, // one i32 local ($x = local 2)
    0x03, 0x40, // loop (empty block type)
    ...Array.from({ length: CHAIN }, () => [0x20, 0x02, 0x20, 0x01, 0x6a, 0x21, 0x02]).flat(),
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, // n = n - 1; br_if 0 (n)
    0x0b, // end loop
    0x20, 0x02, // return x
    0x0b,
  ];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = [...'chain'].map((c) => c.charCodeAt(0));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type (i32, i32) -> i32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, name.length, ...name, 0x00, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

/** Best of several runs of the dependent-add chain, in GHz (warm, so V8's optimizing tier runs it). */
export function measureClockGHz(iterations = 5e6): number {
  const chain = new WebAssembly.Instance(new WebAssembly.Module(chainModule())).exports.chain as (n: number, y: number) => number;
  let sink = chain(1e5, 1);
  let best = Infinity;
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    sink ^= chain(iterations, r + 2);
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === 0.5) console.log(sink); // never true: keeps the results observable
  return (CHAIN * iterations) / (best * 1e6);
}

export function simdPeak(cores: number, iterations?: number): SimdPeak {
  const mhz = cpuinfoMHz();
  const ghz = measureClockGHz(iterations);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    cpuinfoMHz: mhz,
    measuredGHz: Math.round(ghz * 100) / 100,
    flopsPerCycle: SIMD128_FLOPS_PER_CYCLE,
    cores,
    peakGflops: round(SIMD128_FLOPS_PER_CYCLE * ghz * cores),
    peakGflopsAtCpuinfoClock: mhz === null ? null : round((SIMD128_FLOPS_PER_CYCLE * mhz * cores) / 1000),
    assumption: `${SIMD128_FLOPS_PER_CYCLE} flops/cycle/core: 2 f32x4 mul + 2 f32x4 add issued per cycle (no FMA in WebAssembly SIMD of Node 20), at the measured clock, on ${cores} cores`,
  };
}
