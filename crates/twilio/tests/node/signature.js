// Reference webhook signatures from the official `twilio` package.
// stdin:  {"cases": [{"authToken", "url", "params": {name: value | [values]}, "signature"}]}
// stdout: [{"expected": getExpectedTwilioSignature(...), "valid": validateRequest(...)}]
const { getExpectedTwilioSignature, validateRequest } = require("twilio/lib/webhooks/webhooks");

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = input.cases.map((c) => ({
  expected: getExpectedTwilioSignature(c.authToken, c.url, c.params),
  valid: validateRequest(c.authToken, c.signature, c.url, c.params),
}));
process.stdout.write(JSON.stringify(results));
