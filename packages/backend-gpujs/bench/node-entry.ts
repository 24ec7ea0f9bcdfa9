import { availableModes, type GpuJsMode } from '../src/index.js';
import { contenders, runAll } from './workloads.js';

const modes = availableModes().filter((m): m is GpuJsMode => m === 'cpu' || m === 'webasm' || m === 'headlessgl');
const timings = runAll(contenders(modes));
process.stdout.write(JSON.stringify({ where: 'node', modes, timings }));
