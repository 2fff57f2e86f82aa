// The Node.js peer for bench/run's Wasmtime benchmark: a hand-written node:wasi loop that compiles a WASI module once
// and gives every run a fresh instance, writing the inputs and reading the outputs with ITK-Wasm's memory I/O
// (ITKWASM-SPEC §1.3, §1.6, §1.7) — the V8 engine's limit for the same work.
// Usage: node wasi-loop.mjs NODE_MODULES SPEC.json
//   SPEC.json: {"module": PATH.wasi.wasm, "args": [..], "outputs": ["Image" | "JsonCompatible", ..],
//               "items": [[PATH.iwi.cbor, ..], ..], "repeats": N}
//   Each item's images are the run's inputs, in order. Prints {"loopMs": median over the repeats of one pass over
//   every item, "overheadMs": median per-run time outside itk_wasm_delayed_start, "computeMs": median per-pass sum of
//   itk_wasm_delayed_start}.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WASI } from 'node:wasi';

const [nodeModules, specPath] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const { readImageNode } = await import(pathToFileURL(path.join(nodeModules, '@itk-wasm/image-io/dist/index-node.js')).href);
const items = [];
for (const files of spec.items) items.push(await Promise.all(files.map((f) => readImageNode(f))));
const module = new WebAssembly.Module(fs.readFileSync(spec.module));
const address = (pointer) => `data:application/vnd.itk.address,0:${pointer >>> 0}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const discard = fs.openSync('/dev/null', 'w'); // the module's stdout and stderr, which the .NET runtime captures

function runOnce(images) {
  const started = performance.now();
  const wasi = new WASI({ version: 'preview1', args: [path.basename(spec.module), ...spec.args], env: {}, returnOnExit: true, stdout: discard, stderr: discard });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const e = instance.exports;
  wasi.initialize(instance);
  const heap = () => new Uint8Array(e.memory.buffer);
  const put = (index, sub, bytes) => {
    const pointer = e.itk_wasm_input_array_alloc(0, index, sub, bytes.byteLength) >>> 0;
    heap().set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), pointer);
    return pointer;
  };
  images.forEach((image, index) => {
    const data = put(index, 0, image.data);
    const direction = put(index, 1, new Float64Array(image.direction));
    const json = encoder.encode(JSON.stringify({
      imageType: image.imageType, name: image.name, origin: Array.from(image.origin), spacing: Array.from(image.spacing),
      direction: address(direction), size: Array.from(image.size), metadata: [], data: address(data),
    }));
    heap().set(json, e.itk_wasm_input_json_alloc(0, index, json.length) >>> 0);
  });
  const computeStart = performance.now();
  const returnCode = e.itk_wasm_delayed_start();
  const compute = performance.now() - computeStart;
  if (returnCode !== 0) throw new Error(`the module returned ${returnCode}`);
  const copy = (pointer, size) => heap().slice(pointer >>> 0, (pointer >>> 0) + (size >>> 0));
  const outputs = spec.outputs.map((type, index) => {
    if (type === 'JsonCompatible') return JSON.parse(decoder.decode(copy(e.itk_wasm_output_array_address(0, index, 0), e.itk_wasm_output_array_size(0, index, 0))));
    const json = JSON.parse(decoder.decode(copy(e.itk_wasm_output_json_address(0, index), e.itk_wasm_output_json_size(0, index))));
    json.data = copy(e.itk_wasm_output_array_address(0, index, 0), e.itk_wasm_output_array_size(0, index, 0));
    json.direction = copy(e.itk_wasm_output_array_address(0, index, 1), e.itk_wasm_output_array_size(0, index, 1));
    return json;
  });
  e.itk_wasm_delayed_exit(returnCode);
  return { outputs, compute, total: performance.now() - started };
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const images of items.slice(0, 4)) runOnce(images); // warm V8's tiers
const passes = [];
const computes = [];
const overheads = [];
for (let r = 0; r < spec.repeats; r++) {
  const start = performance.now();
  let compute = 0;
  for (const images of items) {
    const run = runOnce(images);
    compute += run.compute;
    overheads.push(run.total - run.compute);
  }
  passes.push(performance.now() - start);
  computes.push(compute);
}
process.stdout.write(JSON.stringify({ loopMs: median(passes), overheadMs: median(overheads), computeMs: median(computes) }));
