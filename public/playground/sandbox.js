// The playground's sandbox frame (see README, "The playground"). It runs nothing of the reader's
// itself: it starts a worker from a blob, passes the page's requests to it and its replies back,
// and ends the worker when it stays silent past the limit (a loop that never yields). It works only
// inside a sandboxed frame with an opaque origin; opened any other way it does nothing.
'use strict';
(function () {
  var LIMIT_MS = 3000;
  if (self.origin !== 'null' || window.parent === window) {
    document.body.textContent = 'This page runs only inside the Interleave playground.';
    return;
  }
  var worker = null;
  var pending = null; // { id, timer }
  var runnerUrl = null;

  function reply(id, body) {
    window.parent.postMessage({ id: id, body: body }, '*');
  }

  function stop(message) {
    if (worker) worker.terminate();
    worker = null;
    if (pending) {
      clearTimeout(pending.timer);
      reply(pending.id, { type: 'stopped', message: message });
      pending = null;
    }
  }

  function arm(id) {
    if (pending) clearTimeout(pending.timer);
    pending = {
      id: id,
      timer: setTimeout(function () {
        stop('Stopped: the scenario ran for ' + LIMIT_MS / 1000 + ' s without taking a step (a loop that never yields?). Nothing of it is left running; press Explore to start again.');
      }, LIMIT_MS),
    };
  }

  function start() {
    var src = 'importScripts(' + JSON.stringify(runnerUrl) + ');';
    var url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    worker = new Worker(url, { name: 'playground' });
    URL.revokeObjectURL(url);
    worker.onmessage = function (e) {
      var m = e.data;
      if (!pending || !m || m.id !== pending.id) return;
      if (m.body && m.body.type === 'progress') arm(pending.id);
      else {
        clearTimeout(pending.timer);
        pending = null;
      }
      reply(m.id, m.body);
    };
    worker.onerror = function (e) {
      e.preventDefault();
      var id = pending ? pending.id : 0;
      stop('');
      reply(id, { type: 'fault', fault: { line: 0, message: 'the sandbox could not run the scenario (' + (e.message || 'worker error') + ')' } });
    };
  }

  window.addEventListener('message', function (e) {
    if (e.source !== window.parent) return;
    var m = e.data;
    if (!m || typeof m.id !== 'number' || !m.body) return;
    if (m.body.type === 'runner') {
      var u = new URL(String(m.body.url), location.href);
      if (u.origin === new URL(location.href).origin) runnerUrl = u.href;
      return;
    }
    if (m.body.type === 'cancel') return stop('Cancelled.');
    if (!runnerUrl) return;
    if (m.body.type === 'load' && worker) {
      worker.terminate(); // a new scenario gets a new worker: nothing of the old code is left
      worker = null;
    }
    if (!worker) start();
    arm(m.id);
    worker.postMessage(m);
  });
  window.parent.postMessage({ id: 0, body: { type: 'ready' } }, '*');
})();
