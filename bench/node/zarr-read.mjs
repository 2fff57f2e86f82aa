// The peer of bench/run zarr: reads level 0 of an OME-Zarr image with zarrita (tests/Zarr's copy) ROUNDS times, after
// WARMUP untimed reads, and prints the median seconds of one read.
//
//   node zarr-read.mjs ROOT WARMUP ROUNDS
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const [root, warmup, rounds] = process.argv.slice(2);
const modules = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../tests/Zarr/node_modules");
const zarr = await import(pathToFileURL(path.join(modules, "zarrita/dist/src/index.js")).href);
const { default: FileSystemStore } = await import(pathToFileURL(path.join(modules, "@zarrita/storage/dist/src/fs.js")).href);

const array = await zarr.open(zarr.root(new FileSystemStore(root)).resolve("0"), { kind: "array" });
const times = [];
for (let r = 0; r < Number(warmup) + Number(rounds); r++) {
  const started = process.hrtime.bigint();
  const { data } = await zarr.get(array);
  if (data.length === 0) throw new Error("nothing read");
  if (r >= Number(warmup)) times.push(Number(process.hrtime.bigint() - started) / 1e9);
}

times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)]);
