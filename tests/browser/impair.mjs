// A UDP relay in front of TURN for `scripts/bench call`: every datagram a
// browser sends is delayed and a share dropped (as WebRTC's send-side fake
// network would: each browser's sending is impaired), as set in a JSON file it rereads
// every 200 ms ({ "delay_ms": 150, "loss_percent": 5 }), so one run can
// measure a clean path and then an impaired one. Loopback only. This kernel
// has no netem, and Debian's Chromium has no WebRTC fake-network trials.
//
//   node impair.mjs <listen port> <TURN port> <settings file>
import dgram from 'node:dgram';
import fs from 'node:fs';

const [listen, upstream, file] = process.argv.slice(2).map((v, i) => (i < 2 ? Number(v) : v));
let how = { delay_ms: 0, loss_percent: 0 };
const reread = () => { try { how = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (_) { /* keep the last */ } };
reread();
setInterval(reread, 200);

const pass = (send) => {
  if (Math.random() * 100 < how.loss_percent) return;
  if (how.delay_ms > 0) setTimeout(send, how.delay_ms); else send();
};
const front = dgram.createSocket('udp4');
const clients = new Map(); // browser address -> socket towards TURN
front.on('message', (msg, from) => {
  const key = `${from.address}:${from.port}`;
  let up = clients.get(key);
  if (!up) {
    up = dgram.createSocket('udp4');
    up.on('message', (back) => front.send(back, from.port, from.address));
    up.bind(0, '127.0.0.1');
    clients.set(key, up);
  }
  pass(() => up.send(msg, upstream, '127.0.0.1'));
});
front.bind(listen, '127.0.0.1', () => process.stdout.write(`relay on ${listen}\n`));
