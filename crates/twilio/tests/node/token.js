// Reference access tokens from the official `twilio` package.
// stdin:  {"mode": "mint", "accountSid", "apiKeySid", "secret", "identity", "room", "ttl", "nowSecs"}
//      or {"mode": "verify", "token", "secret"}
// stdout: {"token"} for mint; {"header", "payload"} or {"error"} for verify.
const twilio = require("twilio");
const jwt = require("jsonwebtoken");

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));

if (input.mode === "mint") {
  // AccessToken and jsonwebtoken both read the clock through Date.now; fixing
  // it makes jti, iat and exp deterministic.
  Date.now = () => input.nowSecs * 1000;
  const { AccessToken } = twilio.jwt;
  const token = new AccessToken(input.accountSid, input.apiKeySid, input.secret, {
    identity: input.identity,
    ttl: input.ttl,
  });
  token.addGrant(new AccessToken.VideoGrant({ room: input.room }));
  process.stdout.write(JSON.stringify({ token: token.toJwt() }));
} else if (input.mode === "verify") {
  try {
    const decoded = jwt.verify(input.token, input.secret, { algorithms: ["HS256"], complete: true });
    process.stdout.write(JSON.stringify({ header: decoded.header, payload: decoded.payload }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: e.message }));
  }
} else {
  throw new Error("unknown mode " + input.mode);
}
