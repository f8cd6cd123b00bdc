// Escalate dashboard: small progressive enhancements. Every page works
// without this script.
//  - live join-page preview: the settings form's brand fields update the
//    preview frame's URL (debounced);
//  - confirmation before destructive forms (data-confirm);
//  - copy buttons for secrets shown once (data-copy);
//  - the preview frame sized to the join page it shows.
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
  // script the stylesheet's height applies.
  function fitPreview() {
    var frame = document.getElementById('join-preview');
    if (!frame) return;
    function fit() {
      var doc;
      try { doc = frame.contentDocument; } catch (e) { return; }
      if (!doc || !doc.body) return;
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
    frame.addEventListener('load', fit);
    window.addEventListener('resize', fit);
    fit();
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

  ready(function () {
    livePreview();
    fitPreview();
    confirmations();
    copyButtons();
  });
})();
