// faceapi-run.mjs - run @vladmandic/face-api (tfjs, wasm backend) on given
// input tensors and print what it computes, for trawl's golden tests
// (tests/faceapi/test-faceapi-golden.c).
//
// usage: node faceapi-run.mjs JOBS.json OUT.json
// JOBS.json: {"modelDir": "...", "jobs": [{"net": NET, "input": FILE,
//             "h": H, "w": W, "dtype": "float32"|"uint8"}, ...]}
// FILE holds an H x W x 3 RGB tensor (HWC, little-endian), values 0..255.
// NET:
//   ssd        -> {"boxes": [ymin,xmin,ymax,xmax]*5118 (0..1), "scores": [5118]}
//                 (face-api's forward: decoded boxes, sigmoid scores)
//   ssd-detect -> {"detections": [{"x","y","w","h","score"}]} in input px
//                 (locateFaces: face-api pads, resizes, NMS 0.5, min 0.5)
//   landmarks  -> {"landmarks": [x0,y0,...]*68} relative to the input
//   recognition-> {"descriptor": [128]}
// Exit status 2 when the runtime or the models are missing.
import { createRequire } from 'module';
import fs from 'fs';

const require = createRequire(import.meta.url);

async function main() {
  const [jobsPath, outPath] = process.argv.slice(2);
  if (!jobsPath || !outPath) {
    console.error('usage: node faceapi-run.mjs JOBS.json OUT.json');
    process.exit(1);
  }
  let faceapi;
  try {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  } catch (e) {
    console.error(`face-api runtime missing: ${e.message}`);
    process.exit(2);
  }
  const tf = faceapi.tf;
  await tf.setBackend('wasm');
  await tf.ready();
  const spec = JSON.parse(fs.readFileSync(jobsPath, 'utf8'));
  const need = new Set(spec.jobs.map((j) => j.net.replace('-detect', '')));
  const nets = { ssd: faceapi.nets.ssdMobilenetv1, landmarks: faceapi.nets.faceLandmark68Net,
    recognition: faceapi.nets.faceRecognitionNet };
  for (const n of need) {
    if (!nets[n]) throw new Error(`unknown net ${n}`);
    await nets[n].loadFromDisk(spec.modelDir);
  }
  const results = [];
  for (const job of spec.jobs) {
    const buf = fs.readFileSync(job.input);
    const n = job.h * job.w * 3;
    const data = job.dtype === 'uint8'
      ? Int32Array.from(new Uint8Array(buf.buffer, buf.byteOffset, n))
      : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 4 * n));
    const x = tf.tensor3d(data, [job.h, job.w, 3], job.dtype === 'uint8' ? 'int32' : 'float32');
    let r;
    if (job.net === 'ssd') {
      const out = await nets.ssd.forward(x);
      r = { boxes: Array.from(out.boxes[0].dataSync()), scores: Array.from(out.scores[0].dataSync()) };
      out.boxes.forEach((t) => t.dispose());
      out.scores.forEach((t) => t.dispose());
    } else if (job.net === 'ssd-detect') {
      const dets = await nets.ssd.locateFaces(x, { minConfidence: 0.5, maxResults: 100 });
      r = { detections: dets.map((d) => ({ x: d.box.x, y: d.box.y, w: d.box.width, h: d.box.height, score: d.score })) };
    } else if (job.net === 'landmarks') {
      const t = await nets.landmarks.forward(x);
      r = { landmarks: Array.from(t.dataSync()) };
      t.dispose();
    } else if (job.net === 'recognition') {
      r = { descriptor: Array.from(await nets.recognition.computeFaceDescriptor(x)) };
    } else {
      throw new Error(`unknown net ${job.net}`);
    }
    x.dispose();
    results.push(r);
  }
  fs.writeFileSync(outPath, JSON.stringify({ backend: tf.getBackend(), results }));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
