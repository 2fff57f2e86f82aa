// The Node.js peers for bench/run's pipeline benchmarks, measured in the same run as the .NET runtime.
// Usage: node peers.mjs NODE_MODULES IMAGES_DIR VOLUME.iwi.cbor REPEATS
//   npmPerCall   downsampleNode from @itk-wasm/downsample over every image (loads and compiles the module each call)
//   keptModule   a hand-written loop: compile downsample once, a fresh instance per image, ITK-Wasm's own
//                runPipelineEmscripten (the engine's limit)
//   volume       the kept-module loop on the 256³ volume, REPEATS times
// Prints one JSON object of milliseconds (medians where repeated).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, imagesDir, volumePath, repeatsText] = process.argv.slice(2);
const repeats = Number(repeatsText);
const load = async (relative) => import(pathToFileURL(path.join(nodeModules, relative)).href);
const { readImageNode } = await load('@itk-wasm/image-io/dist/index-node.js');
const { downsampleNode } = await load('@itk-wasm/downsample/dist/index-node.js');
const runPipelineEmscripten = (await load('itk-wasm/dist/pipeline/internal/run-pipeline-emscripten.js')).default;
const { ZSTDDecoder } = await load('@thewtex/zstddec/dist/zstddec.modern.js');

const images = [];
for (const file of fs.readdirSync(imagesDir).sort()) images.push(await readImageNode(path.join(imagesDir, file)));
const volume = await readImageNode(volumePath);

const base = path.join(nodeModules, '@itk-wasm/downsample/dist/pipelines/downsample');
const decoder = new ZSTDDecoder();
await decoder.init();
const factory = (await import(pathToFileURL(`${base}.js`).href)).default;
const compiled = new WebAssembly.Module(decoder.decode(new Uint8Array(fs.readFileSync(`${base}.wasm.zst`))));

async function keptModule(image, factors) {
  const m = await factory({
    instantiateWasm(imports, receive) { const i = new WebAssembly.Instance(compiled, imports); receive(i, compiled); return i.exports; },
  });
  const args = ['0', '0', '--memory-io', '--shrink-factors', ...factors.map(String)];
  const { outputs } = runPipelineEmscripten(m, args, [{ type: 'Image' }], [{ type: 'Image', data: image }]);
  return outputs[0].data;
}

const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const factorsOf = (image) => image.size.map(() => 2);
const timed = async (body) => { const start = performance.now(); await body(); return performance.now() - start; };

await keptModule(images[0], factorsOf(images[0])); // warm the kept module's tiers
const result = {
  npmPerCall: median(await Promise.all([0].map(() => timed(async () => { for (const image of images) await downsampleNode(image, { shrinkFactors: factorsOf(image) }); })))),
  keptModule: [],
  volume: [],
};
for (let r = 0; r < repeats; r++) result.keptModule.push(await timed(async () => { for (const image of images) await keptModule(image, factorsOf(image)); }));
for (let r = 0; r < repeats; r++) result.volume.push(await timed(() => keptModule(volume, [2, 2, 2])));
result.keptModule = median(result.keptModule);
result.volume = median(result.volume);
process.stdout.write(JSON.stringify(result));
