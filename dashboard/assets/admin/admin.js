// Escalate dashboard: small progressive enhancements. Every page works
// without this script.
//  - live join-page preview: the settings form's brand fields update the
//    preview frame's URL (debounced);
//  - confirmation before destructive forms (data-confirm);
//  - copy buttons for secrets shown once (data-copy).
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
    confirmations();
    copyButtons();
  });
})();
