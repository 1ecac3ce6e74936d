// Server strings reach the page only through textContent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("no innerHTML, outerHTML, insertAdjacentHTML or document.write anywhere", () => {
  const files = ["popup.js", "background.js", ...readdirSync(join(root, "lib")).map((f) => join("lib", f))];
  for (const file of files) {
    const source = readFileSync(join(root, file), "utf8").replace(/^\s*\/\/.*$/gm, ""); // code, not comments
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/, file);
  }
});

test("the manifest asks only for alarms, storage, claude.ai and the bridge", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  assert.equal(manifest.manifest_version, 3);
  assert.deepEqual(manifest.permissions, ["alarms", "storage"]);
  assert.deepEqual(manifest.host_permissions, ["https://claude.ai/*", "http://127.0.0.1/*"]);
});
