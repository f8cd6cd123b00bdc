// A stand-in for the twilio-video SDK in page tests, served by the test
// server in place of /assets/vendor/twilio-video.min.js: connect() resolves
// at once with a room in which a remote "agent" (a canvas video track) is
// already published. window.__fakeTwilio records what the page did and can
// end the room as Twilio would (endRoom()).
(function () {
  'use strict';

  function Emitter() { this.handlers = {}; }
  Emitter.prototype.on = function (name, fn) { (this.handlers[name] = this.handlers[name] || []).push(fn); return this; };
  Emitter.prototype.off = function (name, fn) { this.handlers[name] = (this.handlers[name] || []).filter(function (h) { return h !== fn; }); return this; };
  Emitter.prototype.once = function (name, fn) {
    var self = this;
    var wrapper = function () { self.off(name, wrapper); fn.apply(null, arguments); };
    return this.on(name, wrapper);
  };
  Emitter.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this.handlers[name] || []).slice().forEach(function (h) { h.apply(null, args); });
  };

  var fake = { connects: [], events: [], room: null };
  window.__fakeTwilio = fake;

  function wrap(mst, who) {
    var attached = [];
    return {
      kind: mst.kind,
      mediaStreamTrack: mst,
      isEnabled: true,
      enable: function () { this.isEnabled = true; mst.enabled = true; fake.events.push(who + ':' + mst.kind + ':enable'); },
      disable: function () { this.isEnabled = false; mst.enabled = false; fake.events.push(who + ':' + mst.kind + ':disable'); },
      attach: function () {
        var el = document.createElement(mst.kind);
        el.autoplay = true;
        el.muted = true;
        el.srcObject = new MediaStream([mst]);
        attached.push(el);
        return el;
      },
      detach: function () { var els = attached; attached = []; return els; }
    };
  }

  function agentVideo() {
    var canvas = document.createElement('canvas');
    canvas.width = 640; canvas.height = 480;
    var ctx = canvas.getContext('2d');
    var frame = 0;
    (function draw() {
      frame += 1;
      ctx.fillStyle = '#334155'; ctx.fillRect(0, 0, 640, 480);
      ctx.fillStyle = '#cbd5e1'; ctx.beginPath(); ctx.arc(320, 200, 80, 0, Math.PI * 2); ctx.fill();
      ctx.fillRect(190, 300, 260, 180);
      ctx.fillStyle = '#f8fafc'; ctx.font = '20px sans-serif'; ctx.fillText('agent ' + frame, 20, 36);
      window.requestAnimationFrame(draw);
    }());
    return canvas.captureStream(15).getVideoTracks()[0];
  }

  function connect(token, options) {
    fake.connects.push({ token: token, name: options && options.name, tracks: (options && options.tracks || []).map(function (t) { return t.kind; }) });
    var room = new Emitter();
    var audio = new Map();
    var video = new Map();
    (options && options.tracks || []).forEach(function (mst, i) {
      var pub = { trackSid: 'MT' + i, track: wrap(mst, 'local') };
      (mst.kind === 'audio' ? audio : video).set(pub.trackSid, pub);
    });
    var agent = new Emitter();
    agent.identity = 'agent:alex';
    agent.tracks = new Map([['MTremote', { isSubscribed: true, track: wrap(agentVideo(), 'remote') }]]);
    room.name = options && options.name;
    room.localParticipant = {
      identity: 'customer:test',
      audioTracks: audio,
      videoTracks: video,
      // As twilio-video: a MediaStreamTrack and its options (the name the other side sees).
      publishTrack: function (mst, opts) {
        var name = (opts && opts.name) || mst.kind;
        fake.events.push('local:publish:' + name);
        video.set('MT' + name, { trackSid: 'MT' + name, trackName: name, track: wrap(mst, 'local') });
        return Promise.resolve(video.get('MT' + name));
      },
      unpublishTrack: function (mst) {
        video.forEach(function (pub, sid) {
          if (pub.track.mediaStreamTrack === mst) { fake.events.push('local:unpublish:' + (pub.trackName || mst.kind)); video.delete(sid); }
        });
      }
    };
    room.participants = new Map([['PAagent', agent]]);
    room.disconnect = function () {
      fake.events.push('disconnect');
      room.emit('disconnected', room, null);
    };
    fake.room = room;
    fake.endRoom = function () {
      var err = new Error('Room completed');
      err.code = 53118;
      room.emit('disconnected', room, err);
    };
    fake.agentLeaves = function () { room.emit('participantDisconnected', agent); };
    var promise = Promise.resolve(room);
    promise.cancel = function () {};
    return promise;
  }

  window.Twilio = { Video: { isSupported: true, version: 'fake', connect: connect } };
}());
