// The customer's join page (and the dashboard's test call, which is the same
// page for the agent): camera/microphone preview, the Join button (a room
// credential from the token URL, then rtc.js for whichever provider carries
// the call), in-call controls and the other participant's video. Everything
// the script needs is in data-* attributes of <main id="join">; no inline
// script (strict CSP).
(function () {
  'use strict';

  var root = document.getElementById('join');
  if (!root) return;

  var t = root.dataset;
  // A customer's page is the same for every code of a brand (prepared once
  // and cached), so the code comes from the address; the agent's test call
  // names it.
  var code = t.code || decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  var $ = function (id) { return document.getElementById(id); };
  var el = {
    lobby: $('lobby'), call: $('call'), left: $('left'), invalid: $('invalid'), ended: $('ended'),
    preview: $('preview-video'), previewOff: $('preview-off'), meter: $('mic-meter'),
    join: $('join-button'), rejoin: $('rejoin-button'), leave: $('leave-button'),
    status: $('status'), error: $('error'), remote: $('remote'), self: $('self'),
    waiting: $('waiting'), waitingText: $('waiting-text'), callStatus: $('call-status'),
    remoteState: $('remote-state'), endCall: $('end-call-button'), reconnecting: $('reconnecting'),
    rating: $('rating'), ratingDone: $('rating-done'), ratingError: $('rating-error'), ratingSkip: $('rating-skip'),
    share: $('call-share')
  };
  var switchButtons = document.querySelectorAll('button[data-role="switch"]');
  var leftText = { title: $('left-title'), body: el.left.querySelector('.message__body') };
  leftText.titleText = leftText.title.textContent;
  leftText.bodyText = leftText.body.textContent;

  // On a desktop, offer to carry the call to a phone (and its back camera):
  // the same link as a QR code the service draws. Not on the agent's test
  // call, which has its own token URL, and not on touch devices.
  (function offerHandoff() {
    var figure = $('handoff');
    var wide = window.matchMedia && window.matchMedia('(hover: hover) and (pointer: fine) and (min-width: 900px)');
    if (!figure || t.tokenUrl || !code || !wide || !wide.matches) return;
    var img = $('handoff-qr');
    img.addEventListener('load', function () { figure.hidden = false; });
    img.src = '/join/' + encodeURIComponent(code) + '/qr.svg';
  }());
  var CONNECT_TIMEOUT_MS = 20000;

  var state = {
    stream: null,       // MediaStream of the preview (null without devices)
    micOn: true,
    camOn: true,
    call: null,
    connecting: false,
    retryTimer: null,
    meterStop: null,
    cameras: [],        // videoinput devices (labels once allowed)
    switching: false,
    joined: false,      // was in the call: the rating form may be offered
    rated: false,       // rated or skipped: not offered again
    screen: null        // the shared screen's track, while sharing
  };

  // ---- small helpers -------------------------------------------------------

  function show(section) {
    [el.lobby, el.call, el.left, el.invalid, el.ended].forEach(function (s) { s.hidden = s !== section; });
    offerRating(section === el.left || section === el.ended);
    document.body.dataset.view = section.id;
    var title = section.querySelector('h1[tabindex]');
    if (title) title.focus();
  }

  function setStatus(text) { el.status.textContent = text || ''; }

  function setError(text) {
    el.error.textContent = text || '';
    el.error.hidden = !text;
  }

  // A state change the customer caused (Join, an answer to it): focus goes
  // to what now says what is happening, never to a disabled button or <body>.
  function focusOn(target) {
    if (target && !target.hidden) target.focus();
  }

  function showError(text) {
    setError(text);
    focusOn(el.error);
  }

  function setBusy(busy) {
    state.connecting = busy;
    el.join.disabled = busy;
    el.join.classList.toggle('is-busy', busy);
    el.join.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function problemCode(body) {
    return body && typeof body === 'object' && typeof body.code === 'string' ? body.code : null;
  }

  // ---- devices and preview -------------------------------------------------

  function tracks(kind) {
    if (!state.stream) return [];
    return kind === 'audio' ? state.stream.getAudioTracks() : state.stream.getVideoTracks();
  }

  function startPreview() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setStatus(t.tDevicesUnavailable);
      syncToggles();
      return Promise.resolve();
    }
    setStatus(t.tStarting);
    // No zoom here: asking for it makes Chrome ask to "use and move" a
    // desktop's pan-tilt-zoom webcam. It is asked with the next camera (the
    // back camera on a phone, where zoom helps): see nextCamera and syncLens.
    var constraints = { audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' } };
    return navigator.mediaDevices.getUserMedia(constraints).catch(function (err) {
      // Try the microphone alone before giving up (no camera, or camera busy).
      if (err && (err.name === 'NotFoundError' || err.name === 'NotReadableError' || err.name === 'OverconstrainedError')) {
        return navigator.mediaDevices.getUserMedia({ audio: true });
      }
      throw err;
    }).then(function (stream) {
      state.stream = stream;
      el.preview.srcObject = stream;
      var played = el.preview.play();
      if (played && played.catch) played.catch(function () { /* autoplay refusal: muted video should play */ });
      startMeter(stream);
      setStatus(t.tDevicesReady);
      syncToggles();
      refreshCameras();
    }).catch(function (err) {
      state.stream = null;
      var denied = err && (err.name === 'NotAllowedError' || err.name === 'SecurityError');
      setStatus('');
      setError(denied ? t.tDevicesDenied : t.tDevicesUnavailable);
      syncToggles();
    });
  }

  function startMeter(stream) {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC || !stream.getAudioTracks().length) return;
    var ctx;
    try { ctx = new AC(); } catch (e) { return; }
    var source = ctx.createMediaStreamSource(stream);
    var analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    var data = new Uint8Array(analyser.fftSize);
    var bars = el.meter.querySelectorAll('.meter__bar');
    var raf = 0;
    var last = -1;
    function tick() {
      analyser.getByteTimeDomainData(data);
      var sum = 0;
      for (var i = 0; i < data.length; i++) { var v = (data[i] - 128) / 128; sum += v * v; }
      var level = Math.min(100, Math.round(Math.sqrt(sum / data.length) * 400));
      if (!state.micOn) level = 0;
      var lit = Math.ceil(level / 20);
      if (lit !== last) {
        last = lit;
        for (var b = 0; b < bars.length; b++) bars[b].classList.toggle('is-lit', b < lit);
        el.meter.setAttribute('aria-valuenow', String(level));
      }
      raf = window.requestAnimationFrame(tick);
    }
    // Browsers start an AudioContext suspended until a user gesture.
    var resume = function () { if (ctx.state === 'suspended') ctx.resume().catch(function () {}); };
    document.addEventListener('click', resume, { once: true });
    document.addEventListener('keydown', resume, { once: true });
    tick();
    state.meterStop = function () { window.cancelAnimationFrame(raf); ctx.close().catch(function () {}); };
  }

  // ---- mute / camera -------------------------------------------------------

  function syncToggles() {
    var hasMic = tracks('audio').length > 0;
    var hasCam = tracks('video').length > 0;
    document.querySelectorAll('button[data-role="mic"]').forEach(function (b) {
      b.disabled = !hasMic;
      b.dataset.off = String(!state.micOn || !hasMic);
      b.querySelector('.round__label').textContent = state.micOn ? t.tMute : t.tUnmute;
    });
    document.querySelectorAll('button[data-role="cam"]').forEach(function (b) {
      b.disabled = !hasCam;
      b.dataset.off = String(!state.camOn || !hasCam);
      b.querySelector('.round__label').textContent = state.camOn ? t.tCameraOff : t.tCameraOn;
    });
    el.previewOff.hidden = hasCam && state.camOn;
    el.meter.hidden = !hasMic;
    syncSwitch();
    syncLens();
  }

  function applyEnabled(kind, on) {
    tracks(kind).forEach(function (track) { track.enabled = on; });
    // What the other side gets: nothing without a device, whatever the toggle says.
    if (state.call) state.call.setEnabled(kind, on && tracks(kind).length > 0);
  }

  function toggleMic() { state.micOn = !state.micOn; applyEnabled('audio', state.micOn); syncToggles(); }
  function toggleCam() { state.camOn = !state.camOn; applyEnabled('video', state.camOn); syncToggles(); }

  // ---- front / back camera ---------------------------------------------
  // Phones have two cameras (or more): a "Switch camera" button appears when
  // the browser lists more than one. Switching asks for the next camera
  // (by device, or the other facingMode when devices are not listed),
  // swaps it into the preview stream and into the call: the built-in
  // provider's peer connections replace the track they send; with Twilio the
  // new track is published in place of the old one.

  function refreshCameras() {
    var md = navigator.mediaDevices;
    if (!md || !md.enumerateDevices) return Promise.resolve();
    return md.enumerateDevices().then(function (list) {
      state.cameras = list.filter(function (d) { return d.kind === 'videoinput'; });
      syncSwitch();
    }).catch(function () { /* no list: no switching */ });
  }

  function syncSwitch() {
    var show = state.cameras.length > 1 && tracks('video').length > 0;
    switchButtons.forEach(function (b) {
      b.hidden = !show;
      b.disabled = state.switching;
      b.setAttribute('aria-busy', state.switching ? 'true' : 'false');
    });
  }

  function facing(track) {
    var s = track && track.getSettings ? track.getSettings() : {};
    return s.facingMode === 'environment' ? 'environment' : 'user';
  }

  function nextCamera(current) {
    var s = current.getSettings ? current.getSettings() : {};
    var ids = state.cameras.map(function (d) { return d.deviceId; }).filter(Boolean);
    var size = { width: { ideal: 1280 }, height: { ideal: 720 }, zoom: true };
    if (ids.length > 1) {
      var next = ids[(ids.indexOf(s.deviceId) + 1) % ids.length];
      if (next && next !== s.deviceId) return Object.assign({ deviceId: { exact: next } }, size);
    }
    return Object.assign({ facingMode: { exact: facing(current) === 'user' ? 'environment' : 'user' } }, size);
  }

  function replaceInCall(old, track) {
    var call = state.call;
    if (!call) return Promise.resolve();
    if (typeof call.peerConnections === 'function') {
      var jobs = [];
      call.peerConnections().forEach(function (pc) {
        pc.getSenders().forEach(function (sender) {
          if (sender.track && (sender.track === old || sender.track.kind === 'video')) jobs.push(sender.replaceTrack(track));
        });
      });
      return Promise.all(jobs);
    }
    var lp = call.room && call.room.localParticipant;
    if (lp && typeof lp.publishTrack === 'function' && typeof lp.unpublishTrack === 'function') {
      var pubs = [];
      lp.videoTracks.forEach(function (pub) { pubs.push(pub); });
      pubs.forEach(function (pub) { if (pub.track) lp.unpublishTrack(pub.track); });
      return Promise.resolve(lp.publishTrack(track)).then(function () { call.setEnabled('video', state.camOn); });
    }
    return Promise.resolve();
  }

  // ---- screen share ----------------------------------------------------------

  // The customer shows their screen to the agent. Built-in calls send it in
  // place of the camera (the camera comes back when sharing stops); Twilio
  // calls publish it as a second video track named "screen", which the
  // agent's Video tab shows as the customer's screen. Phones have no
  // getDisplayMedia: the button stays hidden there.
  function canShare() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
  }

  function syncShare() {
    if (!el.share) return;
    var sharing = !!state.screen;
    el.share.dataset.sharing = String(sharing);
    el.share.querySelector('[data-when="idle"]').hidden = sharing;
    el.share.querySelector('[data-when="sharing"]').hidden = !sharing;
  }

  function startSharing() {
    var call = state.call;
    if (!call || state.screen) return;
    navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }).then(function (stream) {
      var track = stream.getVideoTracks()[0];
      if (!track || !state.call) { stream.getTracks().forEach(function (tr) { tr.stop(); }); return; }
      state.screen = track;
      // The browser's own "Stop sharing" ends it too.
      track.addEventListener('ended', stopSharing);
      var lp = call.room && call.room.localParticipant;
      var sent = typeof call.peerConnections === 'function'
        ? replaceInCall(tracks('video')[0], track)
        : Promise.resolve(lp && lp.publishTrack(track, { name: 'screen' }));
      return sent.then(function () {
        syncShare();
        el.callStatus.textContent = t.tSharingScreen;
      });
    }).catch(function (err) {
      // Cancelling the browser's picker is a choice, not a failure.
      if (err && err.name === 'NotAllowedError') return;
      state.screen = null;
      syncShare();
      setStatus(t.tScreenShareFailed);
    });
  }

  function stopSharing() {
    var track = state.screen;
    if (!track) return;
    state.screen = null;
    track.removeEventListener('ended', stopSharing);
    track.stop();
    syncShare();
    var call = state.call;
    if (!call) return;
    if (typeof call.peerConnections === 'function') {
      var camera = tracks('video')[0];
      if (camera) replaceInCall(track, camera);
    } else if (call.room && call.room.localParticipant) {
      call.room.localParticipant.unpublishTrack(track);
    }
  }

  if (el.share) {
    el.share.addEventListener('click', function () { if (state.screen) stopSharing(); else startSharing(); });
  }

  function switchCamera() {
    var old = tracks('video')[0];
    var md = navigator.mediaDevices;
    if (!old || state.switching || !md) return;
    var had = old.getSettings ? old.getSettings() : {};
    var wanted = nextCamera(old);
    state.switching = true;
    syncSwitch();
    // Most phones cannot open two cameras at once: the old one goes first.
    old.stop();
    md.getUserMedia({ video: wanted }).catch(function () {
      // The other camera would not start: back to the one we had.
      return md.getUserMedia({ video: had.deviceId ? { deviceId: { exact: had.deviceId } } : true });
    }).then(function (stream) {
      var track = stream.getVideoTracks()[0];
      track.enabled = state.camOn;
      state.stream.removeTrack(old);
      state.stream.addTrack(track);
      el.preview.srcObject = state.stream;
      var p = el.preview.play(); if (p && p.catch) p.catch(function () {});
      document.body.dataset.facing = facing(track);
      return replaceInCall(old, track).then(function () {
        if (state.call) showSelfVideo();
      });
    }).catch(function () {
      setError(t.tDevicesUnavailable);
    }).then(function () {
      state.switching = false;
      syncToggles();
      refreshCameras();
    });
  }

  switchButtons.forEach(function (b) { b.addEventListener('click', switchCamera); });

  // ---- this camera's light and zoom ------------------------------------------
  // Where the camera says it has them (getCapabilities: torch, zoom), the
  // customer gets a light switch and a zoom slider; elsewhere they stay
  // hidden and nothing is asked of the camera. Each camera has its own: they
  // are looked at again whenever the devices change (syncToggles), a camera
  // switch included.
  var lens = { torch: $('torch'), box: $('zoom-control'), zoom: $('zoom'), track: null, on: false };

  function syncLens() {
    if (!lens.torch) return;
    var track = state.camOn ? tracks('video')[0] : null;
    var caps = {}, settings = {};
    try {
      if (track && track.readyState === 'live' && track.getCapabilities) caps = track.getCapabilities() || {};
      if (track && track.getSettings) settings = track.getSettings() || {};
    } catch (e) { caps = {}; }
    if (track !== lens.track) {
      // The light goes out with its camera (turned off, or switched away from).
      var old = lens.track;
      if (lens.on && old && old.readyState === 'live') old.applyConstraints({ advanced: [{ torch: false }] }).catch(function () {});
      lens.track = track;
      lens.on = settings.torch === true;
    }
    var torch = caps.torch === true || (Array.isArray(caps.torch) && caps.torch.indexOf(true) >= 0);
    var z = caps.zoom;
    var zoom = !!z && typeof z.min === 'number' && typeof z.max === 'number' && z.max > z.min;
    lens.torch.hidden = !torch;
    lens.torch.dataset.on = String(lens.on);
    lens.torch.querySelector('.round__label').textContent = lens.on ? t.tTorchOff : t.tTorchOn;
    lens.box.hidden = lens.zoom.hidden = !zoom;
    if (zoom) {
      lens.zoom.min = String(z.min);
      lens.zoom.max = String(z.max);
      lens.zoom.step = String(z.step || (z.max - z.min) / 100);
      if (typeof settings.zoom === 'number') lens.zoom.value = String(settings.zoom);
    }
  }

  if (lens.torch) {
    lens.torch.addEventListener('click', function () {
      var track = lens.track, want = !lens.on;
      if (!track) return;
      track.applyConstraints({ advanced: [{ torch: want }] }).then(function () {
        lens.on = want;
        syncLens();
      }, function () {
        // The camera would not after all: no light switch for it.
        lens.torch.hidden = true;
      });
    });
    lens.zoom.addEventListener('input', function () {
      var track = lens.track;
      if (track) track.applyConstraints({ advanced: [{ zoom: Number(lens.zoom.value) }] }).catch(function () { /* stays as it was */ });
    });
  }

  // ---- asking for the back camera ------------------------------------------
  // The agent (the test call's page; the plugin has its own button) asks the
  // customer to show something with their back camera; the customer's page
  // offers the switch with one tap and never switches by itself. A device
  // with one camera says so and points to the phone (the lobby's QR code).
  var ask = { button: $('call-ask-back'), box: $('asked'), text: $('asked-text'), yes: $('asked-switch'), no: $('asked-dismiss') };

  function syncAsk(call) {
    if (!ask.button) return;
    ask.button.hidden = !(call && typeof call.ask === 'function' && call.peerCount() > 0);
  }

  function offerBackCamera() {
    var current = tracks('video')[0];
    if (current && facing(current) === 'environment') return;
    var two = state.cameras.length > 1 && !!current;
    ask.text.textContent = two ? t.tAskedBackCamera : t.tAskedBackCamera + ' ' + t.tAskedOneCamera;
    ask.yes.hidden = !two;
    ask.box.hidden = false;
    (two ? ask.yes : ask.no).focus();
  }

  if (ask.button) {
    ask.button.addEventListener('click', function () {
      if (state.call && state.call.ask('back_camera')) el.callStatus.textContent = t.tAskSent;
    });
  }
  ask.yes.addEventListener('click', function () { ask.box.hidden = true; switchCamera(); });
  ask.no.addEventListener('click', function () { ask.box.hidden = true; });

  // ---- telling the customer, and the agent's snapshots --------------------
  // Staff tell the customer of what they did that concerns them (a photo of
  // their video saved): a short notice over the video for a few seconds.
  // On the staff test call, "Take snapshot" (snapshot.js, which only that
  // page loads) takes a still of the customer's video, lets the agent draw
  // on it and saves it; then the customer is told.
  var NOTICE_MS = 6000;
  var noticeTimers = {};
  var snap = { button: $('call-snapshot'), note: $('snapshot-note'), busy: false, camera: true };

  // The notice boxes are live regions that stay in the page, empty (and so
  // out of sight) between notices: a screen reader announces a region's new
  // text, not one that appears with its text already in it.
  function notice(box, text) {
    if (!box) return;
    window.clearTimeout(noticeTimers[box.id]);
    box.textContent = text;
    noticeTimers[box.id] = window.setTimeout(function () { box.textContent = ''; }, NOTICE_MS);
  }

  // The customer's video as it plays: their <video>, while a live track of theirs is in it.
  function remoteVideo() {
    var v = el.remote.querySelector('video[data-identity^="customer:"]');
    var stream = v && v.srcObject;
    var live = stream && stream.getVideoTracks().some(function (tr) { return tr.readyState === 'live'; });
    return live ? v : null;
  }

  function syncSnapshot() {
    if (snap.button) snap.button.hidden = !(state.call && window.EscalateSnapshot && snap.camera && remoteVideo());
  }

  if (snap.button) {
    snap.button.addEventListener('click', function () {
      var video = remoteVideo();
      if (snap.busy || !video || !window.EscalateSnapshot) return;
      snap.busy = true;
      window.EscalateSnapshot.take({ video: video, url: t.snapshotsUrl, csrf: t.csrf, strings: t }).then(function (saved) {
        if (!saved) return;
        // The customer must hear of it; if their page cannot be told, the agent says so.
        var told = !!state.call && state.call.tell('snapshot_taken');
        notice(snap.note, told ? t.tSnapshotSaved : t.tSnapshotSavedUntold);
      }, function (err) {
        notice(snap.note, err && err.reason === 'no_video' ? t.tSnapshotNoVideo : t.tSnapshotFailed);
      }).then(function () { snap.busy = false; });
    });
  }
  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', refreshCameras);
  }

  document.querySelectorAll('button[data-role="mic"]').forEach(function (b) { b.addEventListener('click', toggleMic); });
  document.querySelectorAll('button[data-role="cam"]').forEach(function (b) { b.addEventListener('click', toggleCam); });

  // ---- token ---------------------------------------------------------------

  function rateLimited(seconds) {
    var left = Math.max(1, Math.ceil(seconds));
    var render = function () { setError(t.tRateLimited.replace('{seconds}', String(left))); };
    render();
    focusOn(el.error);
    el.join.disabled = true;
    window.clearInterval(state.retryTimer);
    state.retryTimer = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(state.retryTimer);
        setError('');
        el.join.disabled = false;
        return;
      }
      render();
    }, 1000);
  }

  function fetchToken() {
    var url = t.tokenUrl || ('/v1/join/' + encodeURIComponent(code) + '/token');
    // A recorded call: the customer ticked the consent box (checked before this).
    if (t.recording === 'true') url += '?recording_consent=true';
    var init = { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
    if (t.csrf) {
      // The dashboard's test call: the admin's session, with its CSRF token.
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = 'csrf_token=' + encodeURIComponent(t.csrf);
    }
    return fetch(url, init).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (body) {
        return { resp: resp, body: body };
      });
    });
  }

  // A built-in call's first connection allocates its TURN relay while the
  // customer reads the page (rtc.js's prepare): the click then waits for the
  // call alone. Best effort: without it the call gathers as it starts. Not
  // on the agent's test call (the agent joins first and waits).
  function prepareNetwork() {
    var rtc = window.EscalateCall;
    if (t.provider !== 'builtin' || t.tokenUrl || !code || !rtc || !rtc.prepare) return;
    fetch('/v1/join/' + encodeURIComponent(code) + '/network', {
      headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store'
    }).then(function (resp) {
      return resp.ok ? resp.json() : null;
    }).then(function (body) {
      // A click that came first has its call already: nothing to prepare for.
      if (body && !state.connecting && !state.call) rtc.prepare(body);
    }).catch(function () {});
  }
  prepareNetwork();
  window.addEventListener('pagehide', function () {
    if (window.EscalateCall && window.EscalateCall.release) window.EscalateCall.release();
  });

  // ---- call ----------------------------------------------------------------

  function showRemote(identity, stream) {
    var video = el.remote.querySelector('video[data-identity="' + identity.replace(/"/g, '') + '"]');
    if (!video) {
      video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.setAttribute('playsinline', '');
      video.dataset.identity = identity;
      el.remote.appendChild(video);
    }
    if (video.srcObject !== stream) video.srcObject = stream;
    var p = video.play(); if (p && p.catch) p.catch(function () {});
    el.waiting.hidden = true;
    syncSnapshot();
  }

  function removeRemote(identity) {
    el.remote.querySelectorAll('video').forEach(function (v) {
      if (!identity || v.dataset.identity === identity) { v.srcObject = null; v.remove(); }
    });
    setRemoteState(null);
  }

  function setRemoteState(s) {
    snap.camera = !s || s.video;
    syncSnapshot();
    if (!el.remoteState) return;
    var audioOff = !!s && !s.audio, videoOff = !!s && !s.video;
    el.remoteState.dataset.audio = s ? String(s.audio) : '';
    el.remoteState.dataset.video = s ? String(s.video) : '';
    var words = [];
    if (audioOff) words.push(t.tRemoteMuted);
    if (videoOff) words.push(t.tRemoteCameraOff);
    el.remoteState.textContent = words.join(' · ');
    el.remoteState.hidden = words.length === 0;
  }

  function showSelfVideo() {
    el.self.textContent = '';
    var video = tracks('video')[0];
    if (!video) { el.self.hidden = true; return; }
    el.self.hidden = false;
    var v = document.createElement('video');
    v.autoplay = true; v.muted = true; v.playsInline = true;
    v.srcObject = new MediaStream([video]);
    el.self.appendChild(v);
    var p = v.play(); if (p && p.catch) p.catch(function () {});
  }

  function onConnected(call) {
    state.call = call;
    state.joined = true;
    // For diagnostics and the browser tests (getStats of the peer connections).
    window.escalateCall = call;
    setBusy(false);
    setStatus('');
    setError('');
    applyEnabled('audio', state.micOn);
    applyEnabled('video', state.camOn);
    show(el.call);
    showSelfVideo();
    if (el.share) el.share.hidden = !canShare();
    el.waitingText.textContent = t.tWaiting;
    // Someone who joined without a camera or microphone sends no media:
    // they are here all the same (their state says camera off, no sound).
    el.waiting.hidden = call.peerCount() > 0;
    el.callStatus.textContent = t.tConnected;
    document.body.dataset.call = 'connected';
    call.on('remote-stream', showRemote);
    call.on('quality', reportQuality);
    call.on('peer-joined', function () { el.waiting.hidden = true; syncAsk(call); });
    call.on('peer-state', function (identity, s) { setRemoteState(s); });
    call.on('asked', function (from, what) { if (what === 'back_camera') offerBackCamera(); });
    call.on('told', function (from, what) { if (what === 'snapshot_taken') notice($('told'), t.tToldSnapshot); });
    syncAsk(call);
    call.on('peer-left', function (identity) {
      removeRemote(identity);
      syncAsk(call);
      if (call.peerCount() === 0) {
        el.waiting.hidden = false;
        el.waitingText.textContent = t.tAgentLeft;
        el.callStatus.textContent = t.tAgentLeft;
      }
    });
    call.on('status', function (s) {
      document.body.dataset.call = s;
      // Visible over the video for as long as it lasts, not only announced.
      el.reconnecting.hidden = s !== 'reconnecting';
      el.callStatus.textContent = s === 'reconnecting' ? t.tReconnecting : t.tConnected;
      setStatus(s === 'reconnecting' ? t.tReconnecting : '');
    });
    call.on('ended', function (reason) {
      state.call = null;
      stopSharing();
      el.reconnecting.hidden = true;
      document.body.dataset.call = 'ended';
      removeRemote(null);
      el.self.textContent = '';
      if (reason === 'completed') { stopDevices(); show(el.ended); }
      else {
        // `replaced`: the link was opened on another device (the QR code):
        // this page steps aside, camera off, and Rejoin takes the call back.
        var moved = reason === 'replaced';
        if (moved) stopDevices();
        leftText.title.textContent = moved ? t.tMovedTitle : leftText.titleText;
        leftText.body.textContent = moved ? t.tMovedBody : leftText.bodyText;
        show(el.left);
      }
    });
  }

  function connectFailed(err) {
    setBusy(false);
    setStatus('');
    var reason = err && err.reason;
    if (reason === 'completed') { stopDevices(); show(el.ended); return; }
    showError(failureText(reason));
  }

  // Says whose problem it is and what to do: the customer's own network
  // (the browser knows it is offline), the video service (its library did
  // not load), the browser, a full room, or a path we cannot tell apart
  // (signalling or media could not get through).
  function failureText(reason) {
    if (navigator.onLine === false) return t.tOffline;
    if (reason === 'unsupported') return t.tUnsupported;
    if (reason === 'room_full') return t.tRoomFull;
    if (reason === 'unavailable') return t.tServiceUnavailable;
    return t.tCouldNotConnect;
  }

  function join() {
    if (state.connecting || state.call) return;
    var consent = $('recording-consent');
    if (consent && !consent.checked) {
      showError(t.tRecordingConsentNeeded);
      consent.focus();
      return;
    }
    setError('');
    setBusy(true);
    setStatus(t.tConnecting);
    // The Join button is disabled now: focus moves to the status line.
    focusOn(el.status);
    // A quick click must not join before the camera and microphone are
    // ready: the call would start without them.
    Promise.resolve(state.previewing).then(fetchToken).then(function (r) {
      var resp = r.resp, body = r.body, pc = problemCode(body);
      if (resp.ok && body && body.token) return connect(body);
      setBusy(false);
      setStatus('');
      if (resp.status === 429 || pc === 'rate_limited') {
        var after = parseInt(resp.headers.get('Retry-After') || '', 10);
        rateLimited(isFinite(after) && after > 0 ? after : 30);
      } else if (pc === 'recording_consent_required') {
        showError(t.tRecordingConsentNeeded);
      } else if (pc === 'video_unavailable_here') {
        // The service cannot carry this call (its setup), not the customer's network.
        showError(t.tServiceUnavailable);
      } else if (resp.status === 410 || pc === 'code_completed' || pc === 'escalation_not_open') {
        stopDevices();
        show(el.ended);
      } else if (resp.status === 404 || pc === 'not_found') {
        stopDevices();
        show(el.invalid);
      } else {
        showError(t.tGenericError);
      }
    }).catch(function () {
      // No answer at all: the customer offline, or this service unreachable.
      setBusy(false);
      setStatus('');
      showError(navigator.onLine === false ? t.tOffline : t.tServiceUnavailable);
    });
  }

  // How the call goes, for the contact center: a built-in call sends its
  // samples over its own socket; the customer's page posts a Twilio call's.
  function reportQuality(sample) {
    if (t.provider !== 'twilio' || t.tokenUrl || !code) return;
    fetch('/v1/join/' + encodeURIComponent(code) + '/quality', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sample)
    }).catch(function () { /* best effort: never disturbs the call */ });
  }

  function connect(grant) {
    if (!window.EscalateCall) { connectFailed({ reason: 'unavailable' }); return; }
    window.EscalateCall.connect(grant, { stream: state.stream, timeoutMs: CONNECT_TIMEOUT_MS })
      .then(onConnected, connectFailed);
  }

  function stopDevices() {
    // The page will not join now: the connection prepared for it goes too.
    if (window.EscalateCall && window.EscalateCall.release) window.EscalateCall.release();
    if (state.meterStop) { state.meterStop(); state.meterStop = null; }
    if (state.stream) state.stream.getTracks().forEach(function (tr) { tr.stop(); });
    state.stream = null;
    el.preview.srcObject = null;
  }

  function leave() {
    if (state.call) state.call.leave();
  }

  // The test call's "End call": ends the escalation; both pages hear it.
  function endCall() {
    el.endCall.disabled = true;
    fetch(t.endUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      credentials: 'same-origin',
      body: 'csrf_token=' + encodeURIComponent(t.csrf)
    }).then(function (resp) {
      if (!resp.ok) { el.endCall.disabled = false; setError(t.tGenericError); return; }
      if (state.call) return;
      stopDevices();
      show(el.ended);
    }).catch(function () { el.endCall.disabled = false; setError(t.tGenericError); });
  }

  // ---- rating --------------------------------------------------------------

  // After the call (left, or ended by the agent): 1-5 stars and a comment,
  // once, skippable. Only on the customer's page, and only if they joined.
  function offerRating(after) {
    if (!el.rating) return;
    el.rating.hidden = !(after && state.joined && !state.rated);
  }

  function ratingFinished(text) {
    state.rated = true;
    el.rating.hidden = true;
    if (text) {
      el.ratingDone.textContent = text;
      el.ratingDone.hidden = false;
      el.ratingDone.focus();
    }
  }

  function sendRating(ev) {
    ev.preventDefault();
    var chosen = el.rating.querySelector('input[name="stars"]:checked');
    el.ratingError.hidden = true;
    if (!chosen) {
      el.ratingError.textContent = t.tRatingChoose;
      el.ratingError.hidden = false;
      return;
    }
    var send = $('rating-send');
    send.disabled = true;
    var comment = $('rating-comment').value.trim();
    var body = { stars: parseInt(chosen.value, 10) };
    if (comment) body.comment = comment;
    fetch('/v1/join/' + encodeURIComponent(code) + '/rating', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (b) {
        var pc = problemCode(b);
        if (resp.ok) return ratingFinished(t.tRatingThanks);
        if (pc === 'already_rated') return ratingFinished(t.tRatingAlready);
        if (pc === 'not_rateable' || resp.status === 404) return ratingFinished('');
        send.disabled = false;
        var after = parseInt(resp.headers.get('Retry-After') || '', 10);
        el.ratingError.textContent = resp.status === 429
          ? t.tRateLimited.replace('{seconds}', String(isFinite(after) && after > 0 ? after : 30))
          : t.tGenericError;
        el.ratingError.hidden = false;
      });
    }).catch(function () {
      send.disabled = false;
      el.ratingError.textContent = navigator.onLine === false ? t.tOffline : t.tServiceUnavailable;
      el.ratingError.hidden = false;
    });
  }

  if (el.rating) {
    el.rating.addEventListener('submit', sendRating);
    el.rating.addEventListener('change', function (ev) {
      if (ev.target.name !== 'stars') return;
      ev.target.closest('fieldset').dataset.value = ev.target.value;
      el.ratingError.hidden = true;
    });
    el.ratingSkip.addEventListener('click', function () { ratingFinished(''); });
  }

  // Copy buttons (the test call's customer link).
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.addEventListener('click', function () {
      var target = document.getElementById(b.dataset.copy);
      if (!target) return;
      var text = target.value || target.textContent;
      var done = function () { b.dataset.copied = 'true'; b.textContent = b.dataset.copiedText || b.textContent; };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () { target.select && target.select(); });
      else if (target.select) { target.select(); done(); }
    });
  });

  el.join.addEventListener('click', join);
  var consentBox = $('recording-consent');
  if (consentBox) consentBox.addEventListener('change', function () { if (consentBox.checked) setError(''); });
  el.leave.addEventListener('click', leave);
  if (el.endCall) el.endCall.addEventListener('click', endCall);
  el.rejoin.addEventListener('click', function () {
    show(el.lobby);
    el.join.focus();
    var live = state.stream && state.stream.getTracks().some(function (tr) { return tr.readyState === 'live'; });
    if (live) join();
    else { state.previewing = startPreview(); state.previewing.then(join); }
  });
  window.addEventListener('pagehide', function () {
    if (state.call) state.call.leave();
  });

  // A logo that does not load should not leave a broken image behind.
  var logo = document.querySelector('.brand__logo');
  if (logo) {
    var hideLogo = function () { logo.hidden = true; };
    if (logo.complete && logo.naturalWidth === 0) hideLogo();
    else logo.addEventListener('error', hideLogo);
  }

  syncToggles();
  state.previewing = startPreview();
}());
