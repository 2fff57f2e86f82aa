// The oracle: runs ITK-Wasm's npm packages directly, the way a Node.js user would, and writes each result as
// .iwi.cbor / .iwm.cbor with the packages' own writers, for the C# tests to compare against.
// Usage: node oracle.mjs JOBS.json, where JOBS.json is a list of
//   {"op": "read-image", "input": PATH, "output": PATH.iwi.cbor}
//   {"op": "read-mesh", "input": PATH, "output": PATH.iwm.cbor}
//   {"op": "downsample", "input": PATH, "output": PATH.iwi.cbor, "shrinkFactors": [..]}
import fs from 'node:fs';
import { readImageNode, writeImageNode } from '@itk-wasm/image-io';
import { readMeshNode, writeMeshNode } from '@itk-wasm/mesh-io';
import { downsampleNode } from '@itk-wasm/downsample';

const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const job of jobs) {
  if (job.op === 'read-image') {
    await writeImageNode(await readImageNode(job.input), job.output);
  } else if (job.op === 'read-mesh') {
    await writeMeshNode(await readMeshNode(job.input), job.output);
  } else if (job.op === 'downsample') {
    const { downsampled } = await downsampleNode(await readImageNode(job.input), { shrinkFactors: job.shrinkFactors });
    await writeImageNode(downsampled, job.output);
  } else {
    throw new Error(`unknown op ${job.op}`);
  }
}
