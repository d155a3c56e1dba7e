// peer-tfjs.mjs - the peer side of trawl's face-net benchmarks: one
// @vladmandic/face-api network on tfjs-wasm, on random input, timed.
//
// usage: node benchmarks/peer-tfjs.mjs NET [--size HxW] [--iters K]
//        [--warmup W] [--threads T] [--models DIR]
// NET: ssd | landmarks | recognition. --size defaults to the net's own input
// (512x512, 112x112, 150x150); face-api resizes anything else to that.
// Prints one JSON object on stdout:
//   {"bench","net","backend","size","iters","warmup","threads",
//    "threads_note","median_ms","p90_ms","peak_rss_kb"}
// Times are per forward pass including reading the result back (dataSync),
// as a caller would. Logs go to stderr.
import { createRequire } from 'module';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tests', 'reference', 'package.json'));

function parseArgs(argv) {
  const a = { net: argv[0], size: null, iters: 20, warmup: 3, threads: 1, models: null };
  for (let i = 1; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--size': a.size = v.split('x').map(Number); i++; break;
      case '--iters': a.iters = Number(v); i++; break;
      case '--warmup': a.warmup = Number(v); i++; break;
      case '--threads': a.threads = Number(v); i++; break;
      case '--models': a.models = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

function modelsDir(a) {
  if (a.models) return a.models;
  const base = process.env.TRAWL_MODELS
    || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'trawl', 'models');
  return path.join(base, 'face-api');
}

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const sizes = { ssd: 512, landmarks: 112, recognition: 150 };
  if (!(a.net in sizes)) {
    console.error('usage: node benchmarks/peer-tfjs.mjs ssd|landmarks|recognition [--size HxW] '
      + '[--iters K] [--warmup W] [--threads T]');
    process.exit(1);
  }
  const [h, w] = a.size || [sizes[a.net], sizes[a.net]];
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  const { tf } = faceapi;

  // Threads: the threaded wasm binary needs SharedArrayBuffer + workers,
  // which tfjs-backend-wasm only uses in browsers; in node it runs the
  // single-threaded SIMD binary whatever we ask. Say so in the output.
  let threadsNote = '';
  try { wasm.setThreadsCount(a.threads); } catch (e) { threadsNote = `setThreadsCount failed: ${e.message}`; }
  await tf.setBackend('wasm');
  await tf.ready();
  const multi = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const actual = multi ? wasm.getThreadsCount() : 1;
  if (!multi) threadsNote = 'tfjs-wasm has no multithread support under node: runs on 1 thread';

  const dir = modelsDir(a);
  if (!fs.existsSync(dir)) throw new Error(`models not found in ${dir} (run scripts/setup)`);
  const nets = { ssd: faceapi.nets.ssdMobilenetv1, landmarks: faceapi.nets.faceLandmark68Net,
    recognition: faceapi.nets.faceRecognitionNet };
  const net = nets[a.net];
  await net.loadFromDisk(dir);

  const x = tf.randomUniform([h, w, 3], 0, 255, 'float32');
  const once = async () => {
    if (a.net === 'ssd') {
      const r = await net.forward(x);
      r.boxes[0].dataSync(); r.scores[0].dataSync();
      r.boxes.forEach((t) => t.dispose()); r.scores.forEach((t) => t.dispose());
    } else if (a.net === 'landmarks') {
      const t = await net.forward(x);
      t.dataSync(); t.dispose();
    } else {
      await net.computeFaceDescriptor(x);
    }
  };
  for (let i = 0; i < a.warmup; i++) await once();
  const times = [];
  for (let i = 0; i < a.iters; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((p, q) => p - q);
  const out = {
    bench: `faceapi-${a.net}`,
    net: a.net,
    backend: 'tfjs-wasm',
    size: `${h}x${w}`,
    iters: a.iters,
    warmup: a.warmup,
    threads: actual,
    threads_requested: a.threads,
    threads_note: threadsNote,
    median_ms: percentile(times, 50),
    p90_ms: percentile(times, 90),
    peak_rss_kb: Math.round(process.resourceUsage().maxRSS),
  };
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
