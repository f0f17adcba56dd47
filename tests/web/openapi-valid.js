// node openapi-valid.js OPENAPI_JSON [--must-refuse-broken-copies]
// Validates the JSON API's OpenAPI document against the OpenAPI 3.0 schema
// with its references resolved, by @apidevtools/swagger-parser (the
// declared path parameters are checked by tests/services/gateway/web). With
// --must-refuse-broken-copies it shows the check can fail: copies broken in
// known ways must each be refused.
"use strict";
const fs = require("fs");
const SwaggerParser = require("@apidevtools/swagger-parser");

async function valid(doc) {
  try {
    await SwaggerParser.validate(structuredClone(doc));
    return null;
  } catch (e) {
    return e.message;
  }
}

async function main() {
  const [file, mode] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node openapi-valid.js OPENAPI_JSON [--must-refuse-broken-copies]");
    process.exit(2);
  }
  const doc = JSON.parse(fs.readFileSync(file, "utf8"));
  const error = await valid(doc);
  if (error) {
    console.error(`INVALID ${file}: ${error}`);
    process.exit(1);
  }
  const paths = Object.keys(doc.paths).length;
  const operations = Object.values(doc.paths).reduce((n, p) => n + Object.keys(p).length, 0);
  console.log(`valid OpenAPI ${doc.openapi}: ${paths} paths, ${operations} operations, ` +
              `${Object.keys(doc.components.schemas).length} schemas`);
  if (mode !== "--must-refuse-broken-copies") return;
  const broken = {
    "no info": (d) => { delete d.info; },
    "a response without its description": (d) => { delete d.paths["/v1/meetings"].get.responses["200"].description; },
    "a dangling reference": (d) => {
      d.components.schemas = Object.fromEntries(
          Object.entries(d.components.schemas).filter(([name]) => name !== "rcp.events.v1.Meeting"));
    },
    "a type that is no JSON type": (d) => { d.components.schemas["rcp.common.v1.Status"].type = "int32"; },
  };
  let failed = false;
  for (const [what, breakIt] of Object.entries(broken)) {
    const copy = structuredClone(doc);
    breakIt(copy);
    const refusal = await valid(copy);
    if (!refusal) {
      console.error(`NOT REFUSED: a copy with ${what}`);
      failed = true;
    } else {
      console.log(`refused a copy with ${what}: ${refusal.split("\n")[0]}`);
    }
  }
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
