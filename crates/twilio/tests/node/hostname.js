// Regional hosts as the official `twilio` package builds them (BaseTwilio.getHostname).
// stdin:  {"cases": [{"hostname", "edge", "region"}]}
// stdout: ["video.dublin.ie1.twilio.com", ...]
const twilio = require("twilio");

const client = twilio("AC00000000000000000000000000000000", "token-unused-offline");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = input.cases.map((c) => client.getHostname(c.hostname, c.edge || undefined, c.region || undefined));
process.stdout.write(JSON.stringify(results));
