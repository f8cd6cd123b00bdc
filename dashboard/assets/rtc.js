// Video calls for the join page and the dashboard's test call, behind one
// small interface whichever provider carries the call:
//
//   EscalateCall.connect(grant, { stream }) -> Promise<call>
//   call.on('remote-stream', fn(identity, MediaStream))
//   call.on('peer-joined' | 'peer-left', fn(identity, role))
//   call.on('peer-state', fn(identity, { audio, video }))   // their mic / camera
//   call.on('status', fn('connected' | 'reconnecting'))
//   call.on('ended', fn(reason))  // 'completed' | 'left' | 'replaced' | 'lost' | a close reason
//   call.on('quality', fn(sample))  // every few seconds: how the call goes (see `summarize`)
//   call.setEnabled('audio' | 'video', on); call.leave(); call.peerCount()
//
// `grant` is the token answer of the API. Twilio grants use twilio-video
// (loaded separately); built-in grants use the browser's own WebRTC: a
// peer connection per other participant, "perfect negotiation" (either
// side may offer; the polite one yields on a collision), ICE restarts when
// the media path drops, and a WebSocket to this service for signalling that
// reconnects with the same credential.
(function () {
  'use strict';

  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (name, fn) { (this.handlers[name] = this.handlers[name] || []).push(fn); return this; };
  Emitter.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.handlers[name] || []).forEach(function (fn) {
      try { fn.apply(null, args); } catch (e) { if (window.console) console.error(e); }
    });
  };

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  // Close codes after which reconnecting cannot help.
  var FINAL = { 4000: 'replaced', 4400: 'bad_message', 4401: 'unauthorized', 4403: 'wrong_room', 4409: 'room_full',
    4410: 'completed', 4413: 'message_too_big', 4429: 'rate_limited' };
  var PING_MS = 20000;
  var RECONNECT_MAX_MS = 8000;
  // A 'disconnected' ICE state often heals by itself; restart if it does not.
  var ICE_GRACE_MS = 2500;

  // ---- call quality ----------------------------------------------------------
  // Every QUALITY_MS each side summarises its statistics into a sample the
  // service keeps (built-in calls send it over their signalling socket; the
  // page posts a Twilio call's). The round trip is the media path's (RTCP)
  // or the selected candidate pair's, whichever is longer; loss, bitrate
  // and freezes are of what this side receives, since the previous sample.
  var QUALITY_MS = 5000;

  function round1(x) { return Math.round(x * 10) / 10; }

  function summarize(reports, prev) {
    var rtt = -1, relayed = false, received = 0, lost = 0, bytes = 0, width, height, freezes;
    reports.forEach(function (report) {
      var byId = {}, pair = null, transport = null;
      report.forEach(function (s) { byId[s.id] = s; if (s.type === 'transport' && s.selectedCandidatePairId) transport = s; });
      if (transport) pair = byId[transport.selectedCandidatePairId] || null;
      report.forEach(function (s) {
        if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
        if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') rtt = Math.max(rtt, s.roundTripTime * 1000);
        if (s.type === 'inbound-rtp') {
          received += s.packetsReceived || 0;
          lost += Math.max(0, s.packetsLost || 0);
          bytes += s.bytesReceived || 0;
          if (s.kind === 'video') {
            if (s.frameWidth) { width = s.frameWidth; height = s.frameHeight; }
            if (typeof s.freezeCount === 'number') freezes = (freezes || 0) + s.freezeCount;
          }
        }
      });
      if (pair) {
        if (typeof pair.currentRoundTripTime === 'number') rtt = Math.max(rtt, pair.currentRoundTripTime * 1000);
        var local = byId[pair.localCandidateId];
        if (local && local.candidateType === 'relay') relayed = true;
      }
    });
    var now = Date.now();
    var totals = { at: now, received: received, lost: lost, bytes: bytes };
    if (rtt < 0) return { sample: null, totals: totals };
    var p = prev || { at: now, received: 0, lost: 0, bytes: 0 };
    var dr = Math.max(0, received - p.received), dl = Math.max(0, lost - p.lost);
    var ms = Math.max(1, now - p.at);
    var sample = {
      round_trip_ms: round1(Math.min(rtt, 60000)),
      packet_loss_percent: round1(dr + dl > 0 ? Math.min(100, 100 * dl / (dr + dl)) : 0),
      relayed: relayed
    };
    if (prev) sample.bitrate_kbps = round1(Math.max(0, bytes - p.bytes) * 8 / ms);
    if (width) { sample.width = width; sample.height = height; }
    if (freezes !== undefined) sample.freezes = freezes;
    return { sample: sample, totals: totals };
  }

  // twilio-video's own statistics (`room.getStats()`), summarised the same way.
  function summarizeTwilio(reports, prev) {
    var rtt = -1, relayed = false, received = 0, lost = 0, bytes = 0, width, height;
    reports.forEach(function (r) {
      (r.localAudioTrackStats || []).concat(r.localVideoTrackStats || []).forEach(function (t) {
        if (typeof t.roundTripTime === 'number') rtt = Math.max(rtt, t.roundTripTime);
      });
      (r.remoteAudioTrackStats || []).concat(r.remoteVideoTrackStats || []).forEach(function (t) {
        received += t.packetsReceived || 0;
        lost += Math.max(0, t.packetsLost || 0);
        bytes += t.bytesReceived || 0;
        if (t.dimensions && t.dimensions.width) { width = t.dimensions.width; height = t.dimensions.height; }
      });
      var pair = r.activeIceCandidatePair;
      if (pair) {
        if (typeof pair.currentRoundTripTime === 'number') rtt = Math.max(rtt, pair.currentRoundTripTime * 1000);
        if (pair.localCandidate && pair.localCandidate.candidateType === 'relay') relayed = true;
      }
    });
    var fake = [[
      { id: 'p', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: rtt < 0 ? undefined : rtt / 1000, localCandidateId: 'l' },
      { id: 'l', type: 'local-candidate', candidateType: relayed ? 'relay' : 'host' },
      { id: 'i', type: 'inbound-rtp', kind: 'video', packetsReceived: received, packetsLost: lost, bytesReceived: bytes, frameWidth: width, frameHeight: height }
    ]];
    return summarize(fake, prev);
  }

  // Calls `collect()` (a promise of statistics reports) every QUALITY_MS and
  // emits each sample on `call` as 'quality'.
  function watchQuality(call, collect, summarizer) {
    var prev = null;
    var timer = window.setInterval(function () {
      if (call.done) { window.clearInterval(timer); return; }
      collect().then(function (reports) {
        if (call.done || !reports.length) return;
        var out = (summarizer || summarize)(reports, prev);
        prev = out.totals;
        if (out.sample) {
          out.sample.reconnects = call.reconnects || 0;
          call.emit('quality', out.sample);
        }
      }).catch(function () { /* statistics are best effort */ });
    }, QUALITY_MS);
    return timer;
  }

  // ---- built-in provider ---------------------------------------------------

  function BuiltinCall(grant, stream) {
    Emitter.call(this);
    this.grant = grant;
    this.stream = stream;
    this.identity = grant.identity;
    this.session = randomId();
    this.peers = {};        // identity -> { pc, polite, makingOffer, ignoreOffer, role, timer }
    this.expected = {};     // identity -> role: joined, its first offer not here yet
    this.outbox = [];       // signals queued while the WebSocket is down
    this.ws = null;
    this.open = false;
    this.done = false;
    this.attempt = 0;
    this.reconnects = 0;
    // What the other side is told it gets: nothing of a kind without a
    // track of it (a camera or microphone denied or missing).
    var live = function (t) { return t.readyState === 'live'; };
    this.audio = !!stream && stream.getAudioTracks().some(live);
    this.video = !!stream && stream.getVideoTracks().some(live);
  }
  BuiltinCall.prototype = Object.create(Emitter.prototype);

  BuiltinCall.prototype.start = function () {
    var self = this;
    self.on('quality', function (sample) { if (self.open) self.send({ type: 'quality', sample: sample }); });
    self.qualityTimer = watchQuality(self, function () {
      return Promise.all(self.peerConnections().map(function (pc) { return pc.getStats(); }));
    });
    return new Promise(function (resolve, reject) {
      self.onFirstWelcome = resolve;
      self.onFirstFailure = reject;
      self.connectSignaling();
    });
  };

  BuiltinCall.prototype.connectSignaling = function () {
    var self = this;
    if (self.done) return;
    var ws;
    try { ws = new WebSocket(self.grant.signaling_url); } catch (e) { self.signalingLost(null); return; }
    self.ws = ws;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: 'hello', token: self.grant.token, session: self.session }));
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      self.handle(msg);
    };
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self.open = false;
      window.clearInterval(self.pinger);
      self.signalingLost(ev);
    };
  };

  BuiltinCall.prototype.signalingLost = function (ev) {
    var self = this;
    if (self.done) return;
    var code = ev ? ev.code : 0;
    if (FINAL[code]) {
      var reason = FINAL[code];
      if (self.onFirstFailure) { self.onFirstFailure({ code: code, reason: reason }); self.onFirstFailure = null; }
      self.finish(reason);
      return;
    }
    if (self.onFirstFailure && self.attempt >= 2) {
      // Never got in: say so instead of retrying behind a spinner.
      self.onFirstFailure({ code: code, reason: 'unreachable' });
      self.onFirstFailure = null;
      self.finish('unreachable');
      return;
    }
    if (Date.parse(self.grant.expires_at) <= Date.now()) { self.finish('expired'); return; }
    // The media connections live on without signalling; only new
    // negotiations wait for it to come back.
    self.emit('status', 'reconnecting');
    self.reconnects++;
    var wait = Math.min(RECONNECT_MAX_MS, 250 * Math.pow(2, self.attempt++));
    window.setTimeout(function () { self.connectSignaling(); }, wait);
  };

  BuiltinCall.prototype.send = function (msg) {
    if (this.open && this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg));
    else if (msg.type === 'signal' || msg.type === 'state') this.outbox.push(msg);
  };

  BuiltinCall.prototype.handle = function (msg) {
    var self = this;
    switch (msg.type) {
      case 'welcome': {
        self.open = true;
        self.attempt = 0;
        window.clearInterval(self.pinger);
        self.pinger = window.setInterval(function () { self.send({ type: 'ping' }); }, PING_MS);
        var queued = self.outbox; self.outbox = [];
        self.send({ type: 'state', audio: self.audio, video: self.video });
        queued.forEach(function (m) { self.send(m); });
        (msg.peers || []).forEach(function (p) {
          var known = self.peers[p.identity];
          if (!known) self.addPeer(p.identity, p.role);
          else if (known.pc.iceConnectionState === 'failed' || known.pc.iceConnectionState === 'disconnected') self.restart(p.identity);
        });
        // Peers that left while we were away.
        Object.keys(self.peers).forEach(function (id) {
          if (!(msg.peers || []).some(function (p) { return p.identity === id; })) self.removePeer(id);
        });
        self.emit('status', 'connected');
        if (self.onFirstWelcome) { self.onFirstWelcome(self); self.onFirstWelcome = null; self.onFirstFailure = null; }
        break;
      }
      case 'peer_joined':
        // A new page session of that identity: start afresh with it. The
        // newcomer makes the first offer (it knows who is here); this side
        // makes its connection when that offer arrives, so the first
        // negotiation never collides.
        if (self.peers[msg.peer.identity]) self.removePeer(msg.peer.identity);
        self.expected[msg.peer.identity] = msg.peer.role;
        self.send({ type: 'state', audio: self.audio, video: self.video });
        break;
      case 'peer_reconnected': {
        var p = self.peers[msg.identity];
        if (p && p.pc.iceConnectionState !== 'connected' && p.pc.iceConnectionState !== 'completed') self.restart(msg.identity);
        self.send({ type: 'state', audio: self.audio, video: self.video });
        break;
      }
      case 'peer_left':
        delete self.expected[msg.identity];
        self.removePeer(msg.identity);
        break;
      case 'signal':
        self.onSignal(msg.from, msg.data);
        break;
      case 'state':
        self.emit('peer-state', msg.from, { audio: !!msg.audio, video: !!msg.video });
        break;
      case 'ended':
        self.finish('completed');
        break;
      default:
        break;
    }
  };

  BuiltinCall.prototype.addPeer = function (identity, role) {
    var self = this;
    var pc = new RTCPeerConnection({
      iceServers: self.grant.ice_servers || [],
      iceTransportPolicy: self.grant.ice_transport_policy || 'all'
    });
    // The polite peer yields when both offer at once; the rule only needs
    // to be the same on both sides.
    var peer = { pc: pc, polite: self.identity > identity, makingOffer: false, ignoreOffer: false, role: role, timer: 0 };
    self.peers[identity] = peer;
    var local = self.stream ? self.stream.getTracks().filter(function (t) { return t.readyState === 'live'; }) : [];
    local.forEach(function (t) { pc.addTrack(t, self.stream); });
    // Without a camera or microphone we still receive theirs.
    if (!local.some(function (t) { return t.kind === 'audio'; })) pc.addTransceiver('audio', { direction: 'recvonly' });
    if (!local.some(function (t) { return t.kind === 'video'; })) pc.addTransceiver('video', { direction: 'recvonly' });

    pc.onnegotiationneeded = function () {
      peer.makingOffer = true;
      pc.setLocalDescription().then(function () {
        self.send({ type: 'signal', to: identity, data: { description: pc.localDescription.toJSON() } });
      }).catch(function () {}).then(function () { peer.makingOffer = false; });
    };
    pc.onicecandidate = function (ev) {
      if (ev.candidate) self.send({ type: 'signal', to: identity, data: { candidate: ev.candidate.toJSON() } });
    };
    var remote = null;
    pc.ontrack = function (ev) {
      remote = ev.streams && ev.streams[0] ? ev.streams[0] : (remote || new MediaStream());
      if (remote.getTracks().indexOf(ev.track) < 0) remote.addTrack(ev.track);
      self.emit('remote-stream', identity, remote);
    };
    pc.oniceconnectionstatechange = function () {
      var state = pc.iceConnectionState;
      window.clearTimeout(peer.timer);
      if (state === 'failed') self.restart(identity);
      else if (state === 'disconnected') peer.timer = window.setTimeout(function () { self.restart(identity); }, ICE_GRACE_MS);
      else if (state === 'connected' || state === 'completed') self.emit('status', 'connected');
    };
    self.emit('peer-joined', identity, role);
  };

  BuiltinCall.prototype.restart = function (identity) {
    var peer = this.peers[identity];
    if (!peer || peer.pc.signalingState === 'closed') return;
    this.emit('status', 'reconnecting');
    this.reconnects++;
    // Fires negotiationneeded with an ICE-restart offer.
    peer.pc.restartIce();
  };

  BuiltinCall.prototype.onSignal = function (from, data) {
    var self = this;
    if (!self.peers[from] && data && data.description && data.description.type === 'offer') {
      self.addPeer(from, self.expected[from] || 'other');
    }
    delete self.expected[from];
    var peer = self.peers[from];
    if (!peer || !data) return;
    var pc = peer.pc;
    if (data.description) {
      var desc = data.description;
      var collision = desc.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return;
      pc.setRemoteDescription(desc).then(function () {
        if (desc.type !== 'offer') return null;
        return pc.setLocalDescription().then(function () {
          self.send({ type: 'signal', to: from, data: { description: pc.localDescription.toJSON() } });
        });
      }).catch(function () {});
    } else if (data.candidate) {
      pc.addIceCandidate(data.candidate).catch(function () { /* a candidate of an ignored offer */ });
    }
  };

  BuiltinCall.prototype.removePeer = function (identity) {
    var peer = this.peers[identity];
    if (!peer) return;
    delete this.peers[identity];
    window.clearTimeout(peer.timer);
    peer.pc.close();
    this.emit('peer-left', identity, peer.role);
  };

  BuiltinCall.prototype.setEnabled = function (kind, on) {
    if (kind === 'audio') this.audio = on; else this.video = on;
    this.send({ type: 'state', audio: this.audio, video: this.video });
  };

  BuiltinCall.prototype.peerCount = function () { return Object.keys(this.peers).length; };

  BuiltinCall.prototype.peerConnections = function () {
    var peers = this.peers;
    return Object.keys(peers).map(function (id) { return peers[id].pc; });
  };

  /// Drops the signalling connection as a network would (for tests and diagnostics).
  BuiltinCall.prototype.dropSignaling = function () { if (this.ws) this.ws.close(3000, 'dropped'); };

  BuiltinCall.prototype.leave = function () {
    if (this.done) return;
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ type: 'bye' }));
    this.finish('left');
  };

  BuiltinCall.prototype.finish = function (reason) {
    if (this.done) return;
    this.done = true;
    window.clearInterval(this.pinger);
    window.clearInterval(this.qualityTimer);
    var ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= 1) ws.close(1000, 'bye');
    var self = this;
    Object.keys(self.peers).forEach(function (id) { self.removePeer(id); });
    self.emit('ended', reason);
  };

  // ---- Twilio provider -----------------------------------------------------

  function TwilioCall(room) {
    Emitter.call(this);
    var self = this;
    self.room = room;
    self.done = false;
    self.present = {};
    function watch(participant) {
      self.present[participant.identity] = true;
      var stream = new MediaStream();
      function add(track) {
        if (!track.mediaStreamTrack) return;
        stream.addTrack(track.mediaStreamTrack);
        self.emit('remote-stream', participant.identity, stream);
        if (track.on) {
          track.on('disabled', function () { self.emit('peer-state', participant.identity, states(participant)); });
          track.on('enabled', function () { self.emit('peer-state', participant.identity, states(participant)); });
        }
      }
      function remove(track) { if (track.mediaStreamTrack) stream.removeTrack(track.mediaStreamTrack); }
      self.emit('peer-joined', participant.identity, roleOf(participant.identity));
      participant.tracks.forEach(function (pub) { if (pub.isSubscribed && pub.track) add(pub.track); });
      participant.on('trackSubscribed', add);
      participant.on('trackUnsubscribed', remove);
    }
    // Those already in the room once the caller has its listeners on.
    window.setTimeout(function () { room.participants.forEach(watch); }, 0);
    room.on('participantConnected', watch);
    room.on('participantDisconnected', function (p) {
      delete self.present[p.identity];
      self.emit('peer-left', p.identity, roleOf(p.identity));
    });
    self.reconnects = 0;
    room.on('reconnecting', function () { self.reconnects++; self.emit('status', 'reconnecting'); });
    self.qualityTimer = watchQuality(self, function () { return room.getStats(); }, summarizeTwilio);
    room.on('reconnected', function () { self.emit('status', 'connected'); });
    room.once('disconnected', function (r, err) {
      // 53118: the room was completed (the agent ended the escalation).
      self.finish(err && err.code === 53118 ? 'completed' : (self.leaving ? 'left' : 'lost'));
    });
  }
  TwilioCall.prototype = Object.create(Emitter.prototype);

  function states(participant) {
    var s = { audio: false, video: false };
    participant.tracks.forEach(function (pub) {
      if (pub.track && pub.track.isEnabled !== false) s[pub.kind] = true;
    });
    return s;
  }

  function roleOf(identity) {
    return identity.indexOf('agent:') === 0 ? 'agent' : identity.indexOf('customer:') === 0 ? 'customer' : 'other';
  }

  TwilioCall.prototype.setEnabled = function (kind, on) {
    var pubs = kind === 'audio' ? this.room.localParticipant.audioTracks : this.room.localParticipant.videoTracks;
    pubs.forEach(function (pub) { if (pub.track) { if (on) pub.track.enable(); else pub.track.disable(); } });
  };
  TwilioCall.prototype.peerCount = function () { return Object.keys(this.present).length; };
  TwilioCall.prototype.leave = function () { this.leaving = true; this.room.disconnect(); };
  TwilioCall.prototype.finish = function (reason) {
    if (this.done) return;
    this.done = true;
    window.clearInterval(this.qualityTimer);
    this.emit('ended', reason);
  };

  function connectTwilio(grant, stream, timeoutMs) {
    var Video = window.Twilio && window.Twilio.Video;
    if (!Video) return Promise.reject({ reason: 'unavailable' });
    if (Video.isSupported === false) return Promise.reject({ reason: 'unsupported' });
    var tracks = stream ? stream.getTracks().filter(function (t) { return t.readyState === 'live'; }) : [];
    return new Promise(function (resolve, reject) {
      var pending;
      try {
        pending = Video.connect(grant.token, { name: grant.room_name, tracks: tracks, preferredVideoCodecs: 'auto', networkQuality: false });
      } catch (e) { reject({ reason: 'unreachable' }); return; }
      var settled = false;
      var timer = window.setTimeout(function () {
        if (settled) return;
        settled = true;
        if (pending && typeof pending.cancel === 'function') pending.cancel();
        reject({ reason: 'unreachable' });
      }, timeoutMs);
      pending.then(function (room) {
        window.clearTimeout(timer);
        if (settled) { room.disconnect(); return; }
        settled = true;
        resolve(new TwilioCall(room));
      }, function () {
        window.clearTimeout(timer);
        if (!settled) { settled = true; reject({ reason: 'unreachable' }); }
      });
    });
  }

  function connect(grant, opts) {
    opts = opts || {};
    var timeoutMs = opts.timeoutMs || 20000;
    if (grant.provider === 'builtin') {
      if (!window.RTCPeerConnection || !window.WebSocket) return Promise.reject({ reason: 'unsupported' });
      var call = new BuiltinCall(grant, opts.stream || null);
      var started = call.start();
      var timeout = new Promise(function (resolve, reject) {
        window.setTimeout(function () { reject({ reason: 'unreachable' }); }, timeoutMs);
      });
      return Promise.race([started, timeout]).catch(function (err) { call.finish('unreachable'); throw err; });
    }
    return connectTwilio(grant, opts.stream || null, timeoutMs);
  }

  window.EscalateCall = { connect: connect, summarize: summarize };
}());
