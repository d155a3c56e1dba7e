// ppocr-run.mjs - the golden reference for trawl's ONNX engine: runs one
// ONNX model on onnxruntime-node over a raw float32 input tensor.
//
//   node tests/reference/ppocr-run.mjs MODEL INPUT.f32 N C H W OUT.f32
//
// INPUT.f32 holds N*C*H*W little-endian floats (NCHW). The first output is
// written to OUT.f32 the same way; stdout gets one JSON line
// {"dims":[...],"ms":...}. One intra-op thread: the machines running the
// tests are small and shared.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const [model, input, n, c, h, w, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: ppocr-run.mjs MODEL INPUT.f32 N C H W OUT.f32');
  process.exit(2);
}
const dims = [n, c, h, w].map(Number);
const count = dims.reduce((a, b) => a * b, 1);
const buf = readFileSync(input);
if (buf.length !== count * 4) {
  console.error(`${input}: ${buf.length} bytes, expected ${count * 4}`);
  process.exit(2);
}
const data = new Float32Array(buf.buffer, buf.byteOffset, count);

const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
const t0 = process.hrtime.bigint();
const out = await session.run(feeds);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const y = out[session.outputNames[0]];
writeFileSync(output, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
console.log(JSON.stringify({ dims: y.dims, ms }));
