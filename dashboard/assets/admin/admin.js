// Escalate dashboard: small progressive enhancements. Every page works
// without this script.
//  - live join-page preview: the settings form's brand fields update the
//    preview frame's URL (debounced);
//  - wording left at a language's default follows the language select;
//  - a warning next to the logo field when the preview's logo does not load;
//  - the preview collapsible on narrow screens (above the form there);
//  - confirmation before destructive forms (data-confirm);
//  - copy buttons for secrets shown once (data-copy);
//  - the preview frame sized to the join page it shows;
//  - hourly charts' ticks at round hours, with the date where the day changes;
//  - settings that only Twilio Video honours shown only when it is chosen.
(function () {
  'use strict';

  function ready(fn) {
    if (document.readyState !== 'loading') fn();
    else document.addEventListener('DOMContentLoaded', fn);
  }

  function livePreview() {
    var form = document.getElementById('settings-form');
    var frame = document.getElementById('join-preview');
    if (!form || !frame) return;
    var base = form.getAttribute('data-preview-base');
    var timer = 0;
    function update() {
      var params = new URLSearchParams();
      form.querySelectorAll('[data-preview]').forEach(function (input) {
        params.set(input.name, input.value);
      });
      var next = base + '?' + params.toString();
      if (frame.getAttribute('src') !== next) frame.setAttribute('src', next);
    }
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 250);
    }
    form.addEventListener('input', function (e) {
      if (e.target && e.target.hasAttribute('data-preview')) schedule();
    });
    form.addEventListener('change', function (e) {
      if (e.target && e.target.hasAttribute('data-preview')) schedule();
    });
  }

  // The preview frame as tall as the join page inside it (same origin), so
  // nothing of it (the privacy line at the bottom) is cut off. Without this
  // script the stylesheet's height applies. Nothing to measure while the
  // frame is not shown (the collapsed preview on a phone).
  function fitFrame(frame) {
    var doc;
    try { doc = frame.contentDocument; } catch (e) { return; }
    if (!doc || !doc.body || !frame.clientWidth) return;
    var height = 0;
    Array.prototype.forEach.call(doc.body.children, function (child) {
      if (child.tagName === 'MAIN') {
        var cs = doc.defaultView.getComputedStyle(child);
        height += parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
        Array.prototype.forEach.call(child.children, function (c) { height += c.offsetHeight; });
      } else {
        height += child.offsetHeight;
      }
    });
    if (height > 0) frame.style.height = Math.ceil(height) + 'px';
  }

  function fitPreview() {
    var frame = document.getElementById('join-preview');
    if (!frame) return;
    function fit() { fitFrame(frame); }
    frame.addEventListener('load', fit);
    window.addEventListener('resize', fit);
    fit();
  }

  // Headline, button text and chat message left at a language's default (or
  // empty) switch to the new language's default when the language changes;
  // what the admin wrote stays. Each field carries every language's default
  // as data-default-<locale> (the server's `wording`); without them nothing
  // changes here and the server still localises defaults on save.
  function wordingFollowsLocale() {
    var form = document.getElementById('settings-form');
    var select = document.getElementById('f-locale');
    if (!form || !select) return;
    var status = document.getElementById('wording-status');
    select.addEventListener('change', function () {
      var locale = select.value;
      var switched = [];
      form.querySelectorAll('[data-wording]').forEach(function (field) {
        var defaults = [];
        Array.prototype.forEach.call(field.attributes, function (a) {
          if (a.name.indexOf('data-default-') === 0) defaults.push(a.value);
        });
        var next = field.getAttribute('data-default-' + locale);
        if (next === null || field.value === next) return;
        var current = field.value.trim();
        if (current !== '' && defaults.indexOf(current) < 0) return;
        field.value = next;
        // The preview follows (the form's input listener).
        field.dispatchEvent(new Event('input', { bubbles: true }));
        var label = form.querySelector('label[for="' + field.id + '"]');
        switched.push(label ? label.textContent.trim() : field.name);
      });
      if (status) {
        var language = select.options[select.selectedIndex].textContent.trim();
        var names = switched.length > 1
          ? switched.slice(0, -1).join(', ') + ' and ' + switched[switched.length - 1]
          : switched[0];
        status.textContent = switched.length
          ? names + ': now the ' + language + ' default' + (switched.length > 1 ? 's.' : '.')
          : '';
      }
    });
  }

  // A logo the preview cannot show (a broken address, a host that does not
  // answer, not https://: the join page shows only https images) gets a
  // warning next to the field, from the preview's own <img> (its load and
  // error events, so the preview's image policy counts). Cleared once the
  // logo loads or the field is emptied.
  function logoWarning() {
    var frame = document.getElementById('join-preview');
    var input = document.getElementById('f-logo_url');
    var warning = document.getElementById('w-logo_url');
    if (!frame || !input || !warning) return;
    function describedBy(on) {
      var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) {
        return id && id !== warning.id;
      });
      if (on) ids.push(warning.id);
      if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
      else input.removeAttribute('aria-describedby');
    }
    function show(on) {
      var text = on ? warning.getAttribute('data-logo-warning') : '';
      if (warning.textContent !== text) warning.textContent = text;
      describedBy(on);
    }
    function requested() {
      try {
        var url = new URL(frame.getAttribute('src') || '', window.location.href);
        if (url.searchParams.has('logo_url')) return url.searchParams.get('logo_url').trim();
      } catch (e) { /* fall back to the field */ }
      return input.value.trim();
    }
    function check() {
      var doc;
      try { doc = frame.contentDocument; } catch (e) { return; }
      if (!doc || !doc.body) return;
      var logo = requested();
      // The server already says what is wrong with the value it refused.
      var refused = input.getAttribute('aria-invalid') === 'true' && input.value === input.defaultValue;
      if (!logo || refused) { show(false); return; }
      var img = doc.querySelector('img.brand__logo');
      if (!img) { show(true); return; }
      img.addEventListener('load', function () { show(false); });
      img.addEventListener('error', function () { show(true); });
      if (img.complete) show(img.naturalWidth === 0);
    }
    frame.addEventListener('load', check);
    input.addEventListener('input', function () {
      if (!input.value.trim()) show(false);
    });
    check();
  }

  // On a narrow screen the preview sits above the form, collapsed behind a
  // Show preview button; on a wide one it is beside the form, always open.
  function previewToggle() {
    var button = document.getElementById('preview-toggle');
    var body = document.getElementById('preview-body');
    var frame = document.getElementById('join-preview');
    if (!button || !body || !window.matchMedia) return;
    var narrow = window.matchMedia('(max-width: 900px)');
    function open(yes) {
      body.hidden = !yes;
      button.setAttribute('aria-expanded', yes ? 'true' : 'false');
      button.textContent = yes ? 'Hide preview' : 'Show preview';
      if (yes && frame) fitFrame(frame);
    }
    function layout() {
      button.hidden = !narrow.matches;
      open(!narrow.matches);
    }
    button.addEventListener('click', function () { open(body.hidden); });
    if (narrow.addEventListener) narrow.addEventListener('change', layout);
    else if (narrow.addListener) narrow.addListener(layout);
    layout();
  }

  // Hourly charts (server-rendered SVG): the x-axis ticks again, at round
  // local hours (every 1, 2, 3, 4, 6, 12 hours or whole days, the densest
  // that does not overlap at the current size), the date on the first tick
  // and wherever the day changes ("Dec 6 00:00", then "06:00"). Each bucket's
  // local date and hour come from the page (the data table's row labels, or
  // the bucket's tooltip), so the chart's time zone and formats are kept.
  var STEPS = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168, 336, 720];
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function bucketLabels(svg, count) {
    var parse = function (text) {
      var m = /^(.*\S)\s+(\d{1,2}):(\d{2})$/.exec((text || '').trim());
      return m ? { day: m[1], hour: parseInt(m[2], 10), time: m[2] + ':' + m[3] } : null;
    };
    var section = svg.closest('[data-bucket]');
    var rows = section ? section.querySelectorAll('tr[data-bucket-start] > th') : [];
    var out = [];
    if (rows.length === count) {
      Array.prototype.forEach.call(rows, function (th) { out.push(parse(th.textContent)); });
    } else {
      svg.querySelectorAll('g.chart__bucket > title').forEach(function (t) {
        out.push(parse(t.textContent.split(/:\s/)[0]));
      });
    }
    return out.length === count && out.every(Boolean) ? out : null;
  }

  function relabelHours(svg) {
    var slots = svg.querySelectorAll('g.chart__bucket > rect.chart__slot');
    var n = slots.length;
    if (!n) return;
    var labels = bucketLabels(svg, n);
    if (!labels) return;
    var old = svg.querySelectorAll('text.chart__axis[text-anchor="middle"]:not([data-tick])');
    var box = svg.viewBox && svg.viewBox.baseVal;
    var width = box && box.width ? box.width : 720;
    if (old.length) svg.setAttribute('data-tick-y', old[0].getAttribute('y'));
    var y = svg.getAttribute('data-tick-y') || String((box && box.height ? box.height : 240) - 8);
    old.forEach(function (t) { t.parentNode.removeChild(t); });
    var centre = function (i) {
      return parseFloat(slots[i].getAttribute('x')) + parseFloat(slots[i].getAttribute('width')) / 2;
    };
    // Bucket i starts a new local day when its date differs from the one before.
    var dayIndex = [];
    var days = -1;
    labels.forEach(function (l, i) {
      if (i === 0 || l.day !== labels[i - 1].day) days += 1;
      dayIndex.push(days);
    });
    function ticks(step) {
      var out = [];
      var lastDay = null;
      labels.forEach(function (l, i) {
        var newDay = i === 0 || l.day !== labels[i - 1].day;
        var on = step < 24
          // (an hour met twice when the clocks go back is ticked once)
          ? l.hour % step === 0 && (i === 0 || l.hour !== labels[i - 1].hour)
          : newDay && dayIndex[i] % (step / 24) === 0;
        if (!on) return;
        out.push({ i: i, text: step >= 24 ? l.day : (l.day !== lastDay ? l.day + ' ' + l.time : l.time) });
        lastDay = l.day;
      });
      return out;
    }
    function draw(list) {
      svg.querySelectorAll('text[data-tick]').forEach(function (t) { t.parentNode.removeChild(t); });
      return list.map(function (tick) {
        var t = document.createElementNS(SVG_NS, 'text');
        t.setAttribute('class', 'chart__axis');
        t.setAttribute('data-tick', '');
        t.setAttribute('x', centre(tick.i).toFixed(1));
        t.setAttribute('y', y);
        t.setAttribute('text-anchor', 'middle');
        t.textContent = tick.text;
        svg.appendChild(t);
        // Kept inside the chart at both ends.
        var b = t.getBBox();
        if (b.x < 0) { t.setAttribute('text-anchor', 'start'); t.setAttribute('x', '0'); }
        else if (b.x + b.width > width) { t.setAttribute('text-anchor', 'end'); t.setAttribute('x', String(width)); }
        return t;
      });
    }
    function fits(texts) {
      var gap = 10;
      for (var i = 1; i < texts.length; i++) {
        var a = texts[i - 1].getBBox();
        var b = texts[i].getBBox();
        if (a.x + a.width + gap > b.x) return false;
      }
      return true;
    }
    for (var k = 0; k < STEPS.length; k++) {
      var list = ticks(STEPS[k]);
      var texts = draw(list);
      if (list.length <= 1 || fits(texts)) return;
    }
  }

  function hourTicks() {
    var charts = document.querySelectorAll('[data-bucket="hour"] svg.chart:not(.chart--compact)');
    if (!charts.length) return;
    function all() {
      charts.forEach(function (svg) {
        // Not measurable while hidden (getBBox of an unrendered chart).
        if (!svg.getBoundingClientRect().width) return;
        relabelHours(svg);
      });
    }
    var timer = 0;
    window.addEventListener('resize', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(all, 150);
    });
    all();
  }

  function confirmations() {
    document.querySelectorAll('form[data-confirm]').forEach(function (form) {
      form.addEventListener('submit', function (e) {
        if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
      });
    });
  }

  function copyButtons() {
    document.querySelectorAll('[data-copy]').forEach(function (button) {
      button.addEventListener('click', function () {
        var target = document.querySelector(button.getAttribute('data-copy'));
        if (!target || !navigator.clipboard) return;
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          var label = button.textContent;
          button.textContent = 'Copied';
          window.setTimeout(function () { button.textContent = label; }, 1500);
        }, function () { /* clipboard refused: the text stays selectable */ });
      });
    });
  }

  // Room type, max participants, the unused room timeout and recording do
  // nothing for built-in calls: show them only with Twilio Video. Hidden
  // fields still submit, so their values are kept.
  function providerFields() {
    var select = document.getElementById('f-video_provider');
    if (!select) return;
    function sync() {
      document.querySelectorAll('[data-provider-only]').forEach(function (el) {
        var errors = el.querySelector('.field__error');
        el.hidden = el.getAttribute('data-provider-only') !== select.value && !errors;
      });
    }
    select.addEventListener('change', sync);
  }

  ready(function () {
    livePreview();
    providerFields();
    wordingFollowsLocale();
    fitPreview();
    logoWarning();
    previewToggle();
    hourTicks();
    confirmations();
    copyButtons();
  });
})();
