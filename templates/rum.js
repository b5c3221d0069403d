// Kagami RUM (inlined by SiteGen, CSP-hashed): page view, web vitals as web-vitals defines them, errors, long
// tasks, chat actions with their trace id (chat.js dispatches `kagami:action`) → POST /rum on page hide.
// Never throws into the page (everything is wrapped) and does no work before first paint but register listeners.
(function () {
  'use strict';
  var w = window, d = document, n = navigator, perf = w.performance, noop = function () {};
  function safe(fn) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { /* never into the page */ }
    };
  }
  safe(function () {
    var cfg = {};
    try { cfg = JSON.parse(d.currentScript.getAttribute('data-config')) || {}; } catch (e) { /* defaults */ }
    if (cfg.respect_privacy_signals !== false &&
        (n.doNotTrack === '1' || w.doNotTrack === '1' || n.globalPrivacyControl === true)) return;
    var endpoint = cfg.endpoint || '/rum', samplePpm = cfg.sample_ppm == null ? 1e6 : cfg.sample_ppm;
    var SESSION_MS = 30 * 60 * 1000, MAX_BYTES = 48000, KEY = 'kagami.rum.session';

    function hex(bytes) {
      var a = new Uint8Array(bytes), s = '';
      try { crypto.getRandomValues(a); } catch (e) { for (var i = 0; i < bytes; i++) a[i] = Math.random() * 256; }
      for (var j = 0; j < bytes; j++) s += (a[j] < 16 ? '0' : '') + a[j].toString(16);
      return s;
    }
    // Storage can be missing or throw (private modes, blocked cookies): fall back to memory for this page.
    function usable(kind) {
      try { var s = w[kind]; s.setItem(KEY + '.probe', '1'); s.removeItem(KEY + '.probe'); return s; } catch (e) { return null; }
    }
    var store = usable('localStorage') || usable('sessionStorage'), memo = null;
    // A session: random id, no cookies, ended by 30 minutes without activity; sampled once at its start.
    function session() {
      var s = memo, t = Date.now();
      try { if (store) s = JSON.parse(store.getItem(KEY)) || s; } catch (e) { /* keep memo */ }
      if (!s || typeof s.id !== 'string' || !(t - s.last < SESSION_MS)) {
        s = { id: hex(16), sampled: Math.random() * 1e6 < samplePpm };
      }
      s.last = t;
      memo = s;
      try { if (store) store.setItem(KEY, JSON.stringify(s)); } catch (e) { /* memory only */ }
      return s;
    }
    if (!session().sampled) return;

    var viewId = hex(8), queue = [], queueSession = null, timer = 0, client = null;
    var nav = null, activation = 0, hiddenAt = d.visibilityState === 'hidden' ? 0 : Infinity;
    try {
      nav = perf.getEntriesByType('navigation')[0] || null;
      activation = (nav && nav.activationStart) || 0;
    } catch (e) { /* no navigation timing */ }
    function ms(v) { return Math.round(Math.max(0, v) * 10) / 10; }
    function path(u) { return String(u || '').split(/[?#]/)[0].slice(0, 300); }
    function bytes(s) {
      var b = 0;
      for (var i = 0; i < s.length; i++) { var c = s.charCodeAt(i); b += c < 0x80 ? 1 : c < 0x800 || (c & 0xfc00) === 0xd800 || (c & 0xfc00) === 0xdc00 ? 2 : 3; }
      return b;
    }

    function push(type, name, value, attrs, traceId) {
      var s = session();
      if (queueSession && s.id !== queueSession) flush();
      queueSession = s.id;
      var e = { type: type, t: Date.now() };
      if (name != null) e.name = String(name).slice(0, type === 'view' ? 500 : 60);
      if (typeof value === 'number' && isFinite(value)) e.value = Math.round(value * 10000) / 10000;
      if (traceId && /^[0-9a-f]{32}$/.test(traceId)) e.trace_id = traceId;
      if (attrs) {
        // What the beacon schema accepts: flat, bounded strings (≤ 1 KiB, stack ≤ 4 KiB), finite numbers.
        var a = {};
        for (var k in attrs) {
          var v = attrs[k];
          if (typeof v === 'string') a[k] = v.slice(0, k === 'stack' ? 1300 : 330);
          else if (typeof v === 'boolean' || (typeof v === 'number' && isFinite(v))) a[k] = v;
        }
        e.attrs = a;
      }
      queue.push(JSON.stringify(e));
      if (queue.length >= 60) flush();
      else if (!timer) timer = setTimeout(safe(flush), 10000);
    }

    function send(body) {
      try { if (n.sendBeacon && n.sendBeacon(endpoint, body)) return; } catch (e) { /* try fetch */ }
      try {
        fetch(endpoint, { method: 'POST', body: body, keepalive: true, credentials: 'omit',
          headers: { 'Content-Type': 'text/plain' } }).catch(noop);
      } catch (e) { /* nothing left to try */ }
    }
    // Batches stay well under sendBeacon's 64 KiB; text/plain needs no CORS preflight.
    function flush() {
      clearTimeout(timer);
      timer = 0;
      if (!queue.length) return;
      var head = '{"session_id":"' + queueSession + '","view_id":"' + viewId + '","sent_at":' + Date.now() +
        (client ? ',"client":' + JSON.stringify(client) : '') + ',"events":[';
      var parts = [], size = bytes(head) + 2;
      while (queue.length) {
        var e = queue.shift(), len = bytes(e) + 1;
        if (parts.length && (size + len > MAX_BYTES || parts.length >= 100)) {
          send(head + parts.join(',') + ']}');
          parts = [];
          size = bytes(head) + 2;
        }
        parts.push(e);
        size += len;
      }
      send(head + parts.join(',') + ']}');
    }

    function observe(type, callback, options) {
      try {
        var o = new PerformanceObserver(safe(function (list) { callback(list.getEntries()); }));
        var opts = { type: type, buffered: true };
        for (var k in options) opts[k] = options[k];
        o.observe(opts);
        return o;
      } catch (e) { return null; }
    }

    // --- page view: navigation and paint timing ---------------------------------------------------------
    var viewSent = false;
    function view() {
      if (viewSent) return;
      viewSent = true;
      var a = { lang: d.documentElement.lang || '', viewport: w.innerWidth + 'x' + w.innerHeight };
      if (nav) {
        a.nav_type = nav.type;
        a.ttfb = ms(nav.responseStart - activation);
        if (nav.domInteractive) a.dom_interactive = ms(nav.domInteractive - activation);
        if (nav.domContentLoadedEventStart) a.dom_content_loaded = ms(nav.domContentLoadedEventStart - activation);
        if (nav.loadEventEnd) a.load = ms(nav.loadEventEnd - activation);
        if (nav.transferSize != null) a.transfer_bytes = nav.transferSize;
      }
      try {
        perf.getEntriesByType('paint').forEach(function (p) {
          a[p.name === 'first-paint' ? 'fp' : 'fcp'] = ms(p.startTime - activation);
        });
      } catch (e) { /* no paint timing */ }
      push('view', location.pathname, a.load, a);
    }

    // --- Core Web Vitals (web-vitals definitions) ---------------------------------------------------------
    var reported = {};
    function vital(name, value) {
      if (value == null || reported[name] === value) return;
      reported[name] = value;
      push('vital', name, value, { rating: rate(name, value) });
    }
    var limits = { LCP: [2500, 4000], INP: [200, 500], CLS: [0.1, 0.25], FCP: [1800, 3000], TTFB: [800, 1800] };
    function rate(name, v) { return v <= limits[name][0] ? 'good' : v <= limits[name][1] ? 'needs-improvement' : 'poor'; }

    // FCP: the first-contentful-paint entry, if the page was visible until then.
    var paintObserver = observe('paint', function (entries) {
      entries.forEach(function (e) {
        if (e.name !== 'first-contentful-paint') return;
        if (e.startTime < hiddenAt) vital('FCP', ms(e.startTime - activation));
        painted = true;
        if (isLoaded) view();
      });
    });
    // LCP: the last candidate before the first input or the page being hidden.
    var lcp = null, lcpDone = false;
    var lcpObserver = observe('largest-contentful-paint', function (entries) {
      entries.forEach(function (e) { if (!lcpDone && e.startTime < hiddenAt) lcp = ms(e.startTime - activation); });
    });
    function finalLCP() {
      if (lcpDone) return;
      if (lcpObserver) { try { lcpObserver.takeRecords().forEach(function (e) { if (e.startTime < hiddenAt) lcp = ms(e.startTime - activation); }); } catch (e) { /* ok */ } }
      lcpDone = true;
      if (lcp != null) vital('LCP', lcp);
    }
    ['keydown', 'click'].forEach(function (type) { w.addEventListener(type, safe(finalLCP), { once: true, capture: true }); });
    // CLS: the largest session window of layout shifts (gap < 1 s, window < 5 s) without recent input.
    var cls = 0, windowValue = 0, windowFirst = 0, windowLast = 0;
    var clsObserver = observe('layout-shift', function (entries) {
      entries.forEach(function (e) {
        if (e.hadRecentInput) return;
        if (windowValue && e.startTime - windowLast < 1000 && e.startTime - windowFirst < 5000) {
          windowValue += e.value;
        } else {
          windowValue = e.value;
          windowFirst = e.startTime;
        }
        windowLast = e.startTime;
        cls = Math.max(cls, windowValue);
      });
    });
    // INP: per interaction its longest event; report the 98th percentile (the worst one per 50 interactions).
    var longest = [], byId = {}, interactions = 0;
    function onEvents(entries) {
      entries.forEach(function (e) {
        if (!e.interactionId) return;
        var known = byId[e.interactionId];
        if (!known) {
          interactions++;
          known = byId[e.interactionId] = { id: e.interactionId, duration: 0 };
          longest.push(known);
        }
        known.duration = Math.max(known.duration, e.duration);
      });
      longest.sort(function (a, b) { return b.duration - a.duration; });
      if (longest.length > 10) longest.splice(10).forEach(function (i) { delete byId[i.id]; });
    }
    var inpObserver = observe('event', onEvents, { durationThreshold: 40 });
    observe('first-input', onEvents);
    function inp() {
      if (!longest.length) return null;
      var count = perf.interactionCount || interactions;
      return longest[Math.min(longest.length - 1, Math.floor(count / 50))].duration;
    }
    function finalVitals() {
      finalLCP();
      if (clsObserver) { try { clsObserver.takeRecords(); } catch (e) { /* ok */ } }
      if (clsObserver) vital('CLS', Math.round(cls * 10000) / 10000);
      if (inpObserver) { try { onEvents(inpObserver.takeRecords()); } catch (e) { /* ok */ } }
      vital('INP', inp());
    }
    // TTFB once the page has loaded (as web-vitals waits for it); the view once it has painted too.
    var isLoaded = false, painted = false;
    function loaded() {
      setTimeout(safe(function () {
        if (nav) vital('TTFB', ms(nav.responseStart - activation));
        isLoaded = true;
        if (painted || !paintObserver) view();
      }), 0);
    }
    if (d.readyState === 'complete') loaded(); else w.addEventListener('load', safe(loaded), { once: true });

    // --- errors and long tasks ---------------------------------------------------------------------------
    var errors = 0, seen = {};
    function error(kind, attrs) {
      var key = kind + attrs.message + attrs.line + attrs.src;
      if (seen[key] || ++errors > 25) return;
      seen[key] = 1;
      push('error', kind, null, attrs);
    }
    function stack(e) { return e && e.stack ? String(e.stack).split('\n').slice(0, 20).join('\n') : ''; }
    w.addEventListener('error', safe(function (ev) {
      var t = ev.target;
      if (t && t !== w && t.tagName) {
        error('resource', { tag: t.tagName.toLowerCase(), src: path(t.src || t.href), message: 'failed to load' });
      } else {
        error('js', { message: String(ev.message), source: path(ev.filename), line: ev.lineno, col: ev.colno,
          stack: stack(ev.error) });
      }
    }), true);
    w.addEventListener('unhandledrejection', safe(function (ev) {
      var r = ev.reason;
      error('promise', { message: String((r && r.message) || r), stack: stack(r) });
    }));
    var longTasks = 0;
    observe('longtask', function (entries) {
      entries.forEach(function (e) {
        if (++longTasks <= 50) push('long_task', 'longtask', ms(e.duration), { at: Math.round(e.startTime) });
      });
    });

    // --- user actions: chat.js dispatches kagami:action with the chat's trace id -----------------------------
    w.addEventListener('kagami:action', safe(function (ev) {
      var x = ev.detail || {}, a = {};
      if (x.ttftPaintedMs != null) a.ttft_painted_ms = ms(x.ttftPaintedMs);
      ['error', 'route', 'lang', 'status'].forEach(function (k) { if (x[k] != null) a[k] = x[k]; });
      push('action', x.name, x.totalMs == null ? null : ms(x.totalMs), a, x.traceId);
    }));

    // --- device and browser from User-Agent Client Hints, where the browser has them ------------------------
    function brand(list) {
      var best = null;
      (list || []).forEach(function (b) {
        if (/not.?a.?brand/i.test(b.brand)) return;
        if (!best || best.brand === 'Chromium') best = b;
      });
      if (!best) return null;
      var name = { 'Google Chrome': 'Chrome', 'Microsoft Edge': 'Edge' }[best.brand] || best.brand;
      return (name + ' ' + String(best.version).split('.')[0]).slice(0, 60);
    }
    try {
      var uad = n.userAgentData;
      if (uad) {
        client = { browser: brand(uad.brands) || undefined, os: uad.platform || undefined, mobile: !!uad.mobile };
        uad.getHighEntropyValues(['platformVersion']).then(safe(function (h) {
          var v = String(h.platformVersion || '').split('.').slice(0, 2).join('.');
          if (client.os && v && v !== '0.0') client.os = (client.os + ' ' + v).slice(0, 60);
        }), noop);
      }
    } catch (e) { /* the server parses the User-Agent instead */ }

    // --- leaving: flush on hidden and on pagehide ----------------------------------------------------------
    function leave() {
      view();
      finalVitals();
      flush();
    }
    d.addEventListener('visibilitychange', safe(function () {
      if (d.visibilityState === 'hidden') {
        hiddenAt = Math.min(hiddenAt, perf.now());
        leave();
      }
    }), true);
    w.addEventListener('pagehide', safe(leave), true);
  })();
})();
