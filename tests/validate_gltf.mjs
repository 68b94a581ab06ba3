// Prints the Khronos glTF validator's report (JSON) for one .gltf/.glb file.
// Usage: node tests/validate_gltf.mjs FILE   (exit 0 when the report was produced)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";

const validator = createRequire(import.meta.url)("gltf-validator");
const file = process.argv[2];
if (!file) {
  console.error("usage: node tests/validate_gltf.mjs FILE");
  process.exit(2);
}
try {
  const report = await validator.validateBytes(new Uint8Array(readFileSync(file)), {
    uri: basename(file),
    maxIssues: 100,
  });
  console.log(JSON.stringify(report, null, 2));
} catch (err) {
  console.error(`${file}: ${err}`);
  process.exit(1);
}
