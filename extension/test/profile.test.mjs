// The browser profile's label: the app's rule (tests/vectors/profile_labels.json), and the
// post that carries it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import { checkLabel, withProfile } from "../lib/profile.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(
  readFileSync(join(here, "..", "..", "tests", "vectors", "profile_labels.json"), "utf8"),
).cases;

for (const c of vectors) {
  test(`profile label: ${c.name}`, () => {
    const { label, error } = checkLabel(c.value);
    if (c.label === "refused") {
      assert.equal(label, null);
      assert.equal(typeof error, "string");
      assert.ok(!error.includes("sk-ant") && !error.includes("abc"), "an error never quotes the text");
    } else {
      assert.deepEqual({ label, error }, { label: c.label, error: null });
    }
  });
}

test("the post carries the label only when there is one, checked", () => {
  const post = { version: 1, organizations: [] };
  assert.deepEqual(withProfile(post, " Work  laptop "), { ...post, profile: "Work laptop" });
  assert.equal(withProfile(post, null), post);
  assert.equal(withProfile(post, ""), post);
  assert.equal(withProfile(post, "sk-ant-sid01-x"), post); // never sent: the app would refuse it
  assert.equal(withProfile(post, "x".repeat(65)), post);
  assert.ok(!("profile" in post), "the post read from claude.ai is not changed");
});
