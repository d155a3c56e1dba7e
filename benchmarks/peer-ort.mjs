// peer-ort.mjs - the peer side of trawl's engine benchmarks: times one ONNX
// model on onnxruntime-node with random input, as `trawl nn bench` times ours.
//
//   node benchmarks/peer-ort.mjs MODEL --shape NxCxHxW [--iters K]
//        [--warmup W] [--threads T]
//
// Prints one JSON object: {"median_ms", "p90_ms", "peak_rss_kb", ...}.
// onnxruntime-node is resolved from tests/reference/node_modules.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'reference', 'package.json'));
const ort = require('onnxruntime-node');

function usage(msg) {
  if (msg) console.error(msg);
  console.error('usage: peer-ort.mjs MODEL --shape NxCxHxW [--iters K] [--warmup W] [--threads T]');
  process.exit(2);
}

const args = process.argv.slice(2);
const opts = { iters: 20, warmup: 3, threads: 1, shape: null, model: null };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--shape') opts.shape = args[++i];
  else if (a === '--iters') opts.iters = Number(args[++i]);
  else if (a === '--warmup') opts.warmup = Number(args[++i]);
  else if (a === '--threads') opts.threads = Number(args[++i]);
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else opts.model = a;
}
if (!opts.model || !opts.shape) usage();
const dims = opts.shape.split('x').map(Number);
if (dims.some((d) => !Number.isInteger(d) || d <= 0)) usage(`bad shape ${opts.shape}`);
if (!(opts.iters >= 1) || !(opts.warmup >= 0) || !(opts.threads >= 1)) usage('bad counts');

const count = dims.reduce((a, b) => a * b, 1);
const data = new Float32Array(count);
let seed = 12345;  // a fixed LCG: every run sees the same input
for (let i = 0; i < count; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  data[i] = (seed / 4294967296) * 2 - 1;
}

const session = await ort.InferenceSession.create(opts.model, {
  intraOpNumThreads: opts.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
});
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
for (let i = 0; i < opts.warmup; i++) await session.run(feeds);
const times = [];
for (let i = 0; i < opts.iters; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const pick = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
console.log(JSON.stringify({
  peer: 'onnxruntime-node',
  version: ort.env.versions?.common ?? null,
  model: path.basename(opts.model),
  shape: dims,
  threads: opts.threads,
  iterations: opts.iters,
  warmup: opts.warmup,
  median_ms: pick(0.5),
  p90_ms: pick(0.9),
  min_ms: times[0],
  peak_rss_kb: process.resourceUsage().maxRSS,
}));
