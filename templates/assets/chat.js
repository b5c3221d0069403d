// Kagami chat page: model picker, streaming answers over SSE (fetch + ReadableStream), Stop, multi-turn
// conversation kept per tab, Japanese/English UI. Replies are always written with textContent, never as HTML.
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('kagami-data').textContent);
  const $ = (id) => document.getElementById(id);
  const log = $('log'), form = $('composer'), input = $('message'), picker = $('route'), statusLine = $('status');
  const sendButton = $('send'), stopButton = $('stop');
  const store = window.sessionStorage;
  let lang = pickLanguage();
  let controller = null, currentTrace = null;

  // --- language ------------------------------------------------------------------------------------------
  function pickLanguage() {
    const saved = localStorage.getItem('kagami.lang');
    if (saved && data.strings[saved]) return saved;
    if (data.lang_setting !== 'auto') return data.default_lang;
    for (const wanted of navigator.languages || [navigator.language || '']) {
      const code = wanted.toLowerCase().slice(0, 2);
      if (data.strings[code]) return code;
    }
    return data.default_lang;
  }
  function t(key, values) {
    let text = data.strings[lang][key] || key;
    for (const name in values || {}) text = text.split('{' + name + '}').join(String(values[name]));
    return text;
  }
  function applyLanguage() {
    document.documentElement.lang = lang;
    $('lang').lang = lang === 'ja' ? 'en' : 'ja';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of document.querySelectorAll('[data-i18n-aria-label]')) {
      el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
    }
    data.routes.forEach((route, i) => {
      const note = routeNote(route);
      picker.options[i].textContent = route.label + (note ? ' — ' + note : '');
    });
    showRouteNote();
    for (const el of log.querySelectorAll('.who')) el.textContent = t(el.dataset.role === 'user' ? 'you' : 'assistant');
    for (const el of log.querySelectorAll('.metrics')) if (el.done) el.textContent = metricsText(el.done, el.page);
  }
  function routeNote(route) {
    if (route.state === 'ready') return '';
    return t('note_' + route.state, { model: route.state === 'substituted' ? route.served_by : route.model });
  }
  function showRouteNote() {
    const route = data.routes[picker.selectedIndex];
    $('route-note').textContent = route ? routeNote(route) : t('no_route');
  }

  // --- conversation (sessionStorage: per tab) ------------------------------------------------------------
  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  // Tells the RUM script (templates/rum.js) what the user did and saw; a page without it ignores the event.
  function track(name, detail) {
    try {
      window.dispatchEvent(new CustomEvent('kagami:action', { detail: Object.assign({ name: name, lang: lang }, detail) }));
    } catch (e) { /* monitoring must never break the chat */ }
  }
  function sessionId() {
    let id = store.getItem('kagami.session');
    if (!id) store.setItem('kagami.session', (id = randomHex(16)));
    return id;
  }
  function loadTurns() {
    try { return JSON.parse(store.getItem('kagami.turns')) || []; } catch (e) { return []; }
  }
  function saveTurns(turns) { store.setItem('kagami.turns', JSON.stringify(turns)); }

  function addMessage(role, text) {
    const article = document.createElement('article');
    article.className = 'msg ' + role;
    const who = document.createElement('div');
    who.className = 'who';
    who.dataset.role = role;
    who.textContent = t(role === 'user' ? 'you' : 'assistant');
    const body = document.createElement('p');
    body.className = 'text';
    body.textContent = text;
    article.append(who, body);
    log.append(article);
    return article;
  }
  function addMetrics(article, done, page) {
    const line = document.createElement('p');
    line.className = 'metrics';
    line.done = done;
    line.page = page;
    if (done.ttft_ms != null) line.dataset.serverTtftMs = done.ttft_ms;
    if (page.ttft != null) line.dataset.pageTtftMs = page.ttft.toFixed(1);
    line.textContent = metricsText(done, page);
    article.append(line);
  }
  function seconds(ms) { return (ms / 1000).toFixed(ms < 10000 ? 2 : 1); }
  function metricsText(done, page) {
    const parts = [];
    const total = page.total != null ? page.total : done.duration_ms;
    if (total != null) parts.push(t('metric_total', { s: seconds(total) }));
    const ttft = page.ttft != null ? page.ttft : done.ttft_ms;
    if (ttft != null) parts.push(t('metric_ttft', { s: seconds(ttft) }));
    if (done.tokens_per_second != null) parts.push(t('metric_rate', { n: done.tokens_per_second.toFixed(1) }));
    if (done.prompt_eval_count != null || done.eval_count != null) {
      parts.push(t('metric_tokens', { in: done.prompt_eval_count ?? '?', out: done.eval_count ?? '?' }));
    }
    if (done.cold_start && done.load_ms != null) parts.push(t('metric_cold', { s: (done.load_ms / 1000).toFixed(1) }));
    return parts.join(' · ');
  }
  function render() {
    log.textContent = '';
    for (const turn of loadTurns()) {
      const article = addMessage(turn.role, turn.content);
      if (turn.done) addMetrics(article, turn.done, turn.page || {});
    }
  }

  // --- sending --------------------------------------------------------------------------------------------
  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle('error', !!isError);
  }
  function setBusy(busy) {
    sendButton.disabled = busy;
    stopButton.disabled = !busy;
    log.setAttribute('aria-busy', busy ? 'true' : 'false');
  }
  function errorText(code, message, retryAfter) {
    const known = {
      backend_unavailable: 1, handler_unavailable: 1, backend_timeout: 1, body_too_large: 1, rate_limited: 1,
      model_not_found: 1, backend_error: 1, backend_malformed: 0, backend_stream_cut: 0,
    };
    if (code === 'message_too_long') return t('err_message_too_long', { n: data.max_message_chars });
    if (code === 'queue_full') return t('err_queue_full', { s: retryAfter || 5 });
    if (known[code]) return t('err_' + code);
    if (code === 'backend_malformed' || code === 'backend_stream_cut') return t('err_backend_error');
    if (code === 'bad_request' || code === 'invalid_json' || code === 'invalid_field') {
      return t('err_bad_request', { message: message || code });
    }
    return t('err_generic', { code: code });
  }
  function codeForStatus(status) {
    return { 413: 'body_too_large', 429: 'rate_limited', 502: 'backend_error', 503: 'backend_unavailable',
      504: 'backend_timeout' }[status] || 'http_' + status;
  }

  async function send() {
    if (controller) return;
    const text = input.value;
    if (!text.trim()) {
      setStatus(t('empty_message'), true);
      input.focus();
      return;
    }
    const route = data.routes[picker.selectedIndex];
    if (!route || !route.enabled) {
      setStatus(t('no_route'), true);
      return;
    }
    const turns = loadTurns();
    turns.push({ role: 'user', content: text });
    saveTurns(turns);
    addMessage('user', text);
    input.value = '';
    const article = addMessage('assistant', '');
    const body = article.querySelector('.text');
    setStatus(t('generating'));
    setBusy(true);
    controller = new AbortController();
    const started = performance.now(), traceId = randomHex(16);
    currentTrace = traceId;
    let firstToken = null, painted = null, answer = '', done = null, failure = null, status = null;
    try {
      const response = await fetch(route.path, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'Content-Type': 'application/json', Accept: 'text/event-stream',
          traceparent: '00-' + traceId + '-' + randomHex(8) + '-01',
        },
        body: JSON.stringify({
          messages: turns.map((m) => ({ role: m.role, content: m.content })), session_id: sessionId(),
        }),
      });
      status = response.status;
      if (!response.ok || !(response.headers.get('content-type') || '').startsWith('text/event-stream')) {
        let error = {};
        try { error = (await response.json()).error || {}; } catch (e) { /* nginx HTML page: use the status */ }
        failure = errorText(error.code || codeForStatus(response.status), error.message,
          response.headers.get('Retry-After'));
      } else {
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message', payload = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) payload += line.slice(5).trimStart();
            }
            if (!payload) continue;
            const value = JSON.parse(payload);
            if (event === 'token') {
              answer += value.text;
              body.textContent = answer;
              if (firstToken === null) {
                firstToken = performance.now() - started;
                requestAnimationFrame(() => { painted = performance.now() - started; });
              }
            } else if (event === 'done') {
              done = value;
            } else if (event === 'error') {
              failure = errorText((value.error || {}).code, (value.error || {}).message);
            }
          }
        }
        if (!done && !failure) failure = t('err_network');
      }
    } catch (e) {
      failure = e.name === 'AbortError' ? 'stopped' : t('err_network');
    }
    controller = null;
    setBusy(false);
    const stopped = failure === 'stopped';
    track('send', { traceId: traceId, route: route.path, status: status, totalMs: performance.now() - started,
      ttftPaintedMs: painted != null ? painted : firstToken, error: stopped ? null : failure });
    if (!answer) {
      // Nothing came back: take the turn out of the conversation and give the text back for another try.
      article.remove();
      log.lastElementChild && log.lastElementChild.remove();
      turns.pop();
      saveTurns(turns);
      if (!input.value) input.value = text;
      setStatus((stopped ? t('stopped') : failure) + ' ' + t('retry_hint'), !stopped);
      input.focus();
      return;
    }
    const page = { total: performance.now() - started, ttft: firstToken };
    const turn = { role: 'assistant', content: answer };
    if (done) {
      turn.done = done;
      turn.page = page;
      addMetrics(article, done, page);
    }
    if (failure) {
      const note = document.createElement('p');
      note.className = stopped ? 'metrics' : 'metrics error';
      note.textContent = stopped ? t('stopped') : failure;
      article.append(note);
    }
    turns.push(turn);
    saveTurns(turns);
    setStatus(stopped ? t('stopped') : failure || '', !!failure && !stopped);
    input.focus();
  }

  // --- wiring ---------------------------------------------------------------------------------------------
  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    // Enter sends; Shift+Enter is a new line; Enter that confirms an IME conversion (Japanese input) does neither.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });
  stopButton.addEventListener('click', () => {
    if (controller) track('stop', { traceId: currentTrace });
    if (controller) controller.abort();
  });
  $('new').addEventListener('click', () => {
    track('new_chat', {});
    if (controller) controller.abort();
    store.removeItem('kagami.turns');
    store.removeItem('kagami.session');
    render();
    setStatus(t('cleared'));
    input.focus();
  });
  $('lang').addEventListener('click', () => {
    lang = lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem('kagami.lang', lang);
    applyLanguage();
    track('language', {});
  });
  picker.addEventListener('change', () => {
    store.setItem('kagami.route', picker.value);
    showRouteNote();
    track('model_change', { route: picker.value });
  });
  const savedRoute = store.getItem('kagami.route');
  const savedIndex = data.routes.findIndex((r) => r.path === savedRoute && r.enabled);
  if (savedIndex >= 0) picker.selectedIndex = savedIndex;
  if (!data.routes.some((r) => r.enabled)) sendButton.disabled = true;
  render();
  applyLanguage();
})();
