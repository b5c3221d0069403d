/* Kagami dashboard: vanilla JS, no framework, no third-party request. Every text from the API is set with
   textContent (never innerHTML), so prompts, model names and error messages stay inert. */
(function () {
  'use strict';
  var T = {
    en: {
      overview: 'Overview', traces: 'Traces', trace: 'Trace', evaluations: 'Evaluations', users: 'Users',
      infrastructure: 'Infrastructure & models', window: 'Window', lang: '日本語', requests: 'Requests',
      errors: 'Errors', error_rate: 'Error rate', latency: 'Latency', ttft: 'Time to first token', tokens: 'Tokens',
      cost: 'Cost (cloud equivalent)', cold_starts: 'Cold starts', input_tokens: 'input', output_tokens: 'output',
      phases: 'Where the time went (average per request)', queue: 'queue', load: 'model load',
      prompt_eval: 'prompt eval', generation: 'generation', by_route: 'By route and model',
      by_code: 'Failures by code', route: 'Route', model: 'Model', status: 'Status', label: 'Evaluation label',
      session: 'Session', min_ms: 'Min ms', q: 'Text in prompt', apply: 'Apply', live: 'Live tail', more: 'More',
      time: 'Time', duration: 'Duration', input: 'Input (masked)', output: 'Output (masked)', any: 'any',
      empty: 'No data in this window yet. Chat a few times, then reload.', no_trace: 'No such trace.',
      waterfall: 'Waterfall', spans: 'spans', evals: 'Evaluations', reason: 'Reason', score: 'Score',
      host: 'Host CPU and memory', cpu: 'CPU', memory: 'Memory', rum_action: 'What the user did (RUM)',
      flagged: 'Flagged results (newest first)', count: 'Count', trend: 'Flagged per evaluator',
      vitals: 'Web vitals (p75, share good / needs improvement / poor)', good: 'good', ni: 'needs improvement',
      poor: 'poor', js_errors: 'JavaScript errors', actions: 'Actions', sessions: 'Sessions', views: 'Views',
      countries: 'Countries', browsers: 'Browsers', os: 'OS', devices: 'Devices', recent: 'Recent actions',
      no_rum: 'No browser data yet: the RUM script reports once people use the chat page.',
      runner: 'Model runner vs the rest: CPU', rss: 'Model runner vs the rest: memory (RSS)',
      residency: 'Loaded models', advice: 'Keep-alive advice', load_ms: 'Load', message: 'Message',
      value: 'Avg value', auth: 'Not authorized: open the dashboard through Kagami\'s nginx and sign in.',
      failed: 'Could not load data', p75: 'p75', unloaded: 'unloaded', resident: 'resident',
      sampled: '* among the newest 5,000 actions of the window; counts are exact'
    },
    ja: {
      overview: '概要', traces: 'トレース', trace: 'トレース', evaluations: '評価', users: 'ユーザー',
      infrastructure: 'インフラとモデル', window: '期間', lang: 'English', requests: 'リクエスト', errors: 'エラー',
      error_rate: 'エラー率', latency: 'レイテンシ', ttft: '最初のトークンまで', tokens: 'トークン',
      cost: 'コスト（クラウド換算）', cold_starts: 'コールドスタート', input_tokens: '入力', output_tokens: '出力',
      phases: '時間の内訳（1リクエスト平均）', queue: '待ち行列', load: 'モデル読み込み', prompt_eval: 'プロンプト評価',
      generation: '生成', by_route: 'ルートとモデル別', by_code: 'コード別の失敗', route: 'ルート', model: 'モデル',
      status: '状態', label: '評価ラベル', session: 'セッション', min_ms: '最小 ms', q: 'プロンプト内の文字列',
      apply: '適用', live: 'ライブ更新', more: 'さらに表示', time: '時刻', duration: '所要時間',
      input: '入力（マスク済み）', output: '出力（マスク済み）', any: 'すべて',
      empty: 'この期間のデータはまだありません。何回かチャットしてから再読み込みしてください。',
      no_trace: 'トレースが見つかりません。', waterfall: 'ウォーターフォール', spans: 'スパン', evals: '評価',
      reason: '理由', score: 'スコア', host: 'ホストの CPU とメモリ', cpu: 'CPU', memory: 'メモリ',
      rum_action: 'ユーザーの操作（RUM）', flagged: '要確認の結果（新しい順）', count: '件数',
      trend: '評価ごとの要確認件数', vitals: 'Web Vitals（p75、良好 / 要改善 / 不良 の割合）', good: '良好',
      ni: '要改善', poor: '不良', js_errors: 'JavaScript エラー', actions: '操作', sessions: 'セッション',
      views: '表示', countries: '国', browsers: 'ブラウザ', os: 'OS', devices: 'デバイス', recent: '最近の操作',
      no_rum: 'ブラウザのデータはまだありません。チャット画面が使われると RUM スクリプトが送信します。',
      runner: 'モデルランナーとその他: CPU', rss: 'モデルランナーとその他: メモリ (RSS)',
      residency: '読み込まれたモデル', advice: 'keep_alive の助言', load_ms: '読み込み', message: 'メッセージ',
      value: '平均値', auth: '権限がありません。Kagami の nginx 経由で開き、ログインしてください。',
      failed: 'データを読み込めませんでした', p75: 'p75', unloaded: '解放', resident: '常駐',
      sampled: '* この期間の新しい 5,000 件の操作から集計（件数は正確な値）'
    }
  };
  var body = document.body;
  var setting = body.getAttribute('data-lang');
  var lang = localStorage.getItem('kagami-dash-lang') ||
    (setting === 'ja' || setting === 'en' ? setting : ((navigator.language || '').slice(0, 2) === 'ja' ? 'ja' : 'en'));
  function t(key) { return (T[lang] && T[lang][key]) || T.en[key] || key; }
  var page = body.getAttribute('data-page');
  var params = new URLSearchParams(location.search);
  var win = params.get('window') || (page === 'overview' || page === 'infrastructure' ? '1h' : '24h');
  /* `to` (ms since the epoch) pins the window's end, so a link shows the same window later. */
  var to = /^[0-9]{1,15}$/.test(params.get('to') || '') ? params.get('to') : '';
  var range = 'window=' + encodeURIComponent(win) + (to ? '&to=' + to : '');
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)'];

  function h(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) { for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]); return parent; }
  function s(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  /* Intl formatters are costly to make: one per format, reused (toLocaleString makes a new one every call). */
  var formats = {};
  function format(key, make) { return formats[key] || (formats[key] = make()); }
  function num(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return '–';
    var d = digits === undefined ? 1 : digits;
    return format('n' + d, function () { return new Intl.NumberFormat(lang, { maximumFractionDigits: d }); }).format(Number(v));
  }
  function date(key, options, v) {
    return format(key, function () { return new Intl.DateTimeFormat(lang, options); }).format(new Date(v));
  }
  function ms(v) { return v === null || v === undefined ? '–' : (v >= 10000 ? num(v / 1000, 1) + ' s' : num(v, v < 10 ? 1 : 0) + ' ms'); }
  function bytes(v) { return v === null || v === undefined ? '–' : (v >= 1e9 ? num(v / 1e9, 2) + ' GB' : num(v / 1e6, 0) + ' MB'); }
  function pct(v) { return v === null || v === undefined ? '–' : num(v, 1) + '%'; }
  function when(t) {
    return date('when', { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }, t);
  }
  function traceLink(id, text) {
    var a = h('a', 'mono', text || id.slice(0, 12));
    a.href = 'trace.html?id=' + encodeURIComponent(id);
    return a;
  }

  /* --- page frame -------------------------------------------------------------------------------------------- */
  var main = h('main');
  function frame() {
    document.documentElement.lang = lang;
    var header = h('header', 'top');
    add(header, h('h1', null, 'Kagami · ' + t(page === 'trace' ? 'trace' : page)));
    var nav = h('nav');
    ['overview:index', 'traces:traces', 'evaluations:evaluations', 'users:users', 'infrastructure:infrastructure']
      .forEach(function (p) {
        var parts = p.split(':');
        var a = h('a', parts[0] === page ? 'on' : null, t(parts[0]));
        a.href = parts[1] + '.html?' + range;
        nav.appendChild(a);
      });
    var tools = h('div', 'tools');
    if (page !== 'trace') {
      var select = h('select');
      select.id = 'window';
      select.setAttribute('aria-label', t('window'));
      ['1h', '6h', '24h', '7d', '31d'].forEach(function (w) {
        var o = h('option', null, w);
        o.value = w;
        if (w === win) o.selected = true;
        select.appendChild(o);
      });
      select.onchange = function () { params.set('window', select.value); location.search = params.toString(); };
      add(tools, h('label', null, t('window')), select);
    }
    var langButton = h('button', null, t('lang'));
    langButton.type = 'button';
    langButton.id = 'lang';
    langButton.onclick = function () {
      localStorage.setItem('kagami-dash-lang', lang === 'ja' ? 'en' : 'ja');
      location.reload();
    };
    add(tools, langButton);
    add(header, nav, tools);
    document.body.replaceChildren(header, main);
  }

  function api(path) {
    return fetch('/obs/api/' + path, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) throw new Error(r.status === 401 || r.status === 403 ? t('auth') : (j.error ? j.error.message : r.status));
          return j;
        });
      });
  }
  function fail(e) { main.replaceChildren(h('p', 'status error', t('failed') + ': ' + e.message)); }
  function section(title, cls) {
    var sec = h('section', 'card' + (cls ? ' ' + cls : ''));
    if (title) sec.appendChild(h('h2', null, title));
    main.appendChild(sec);
    return sec;
  }
  function kpis(items) {
    var box = h('div', 'kpis');
    items.forEach(function (i) {
      var k = h('div', 'kpi' + (i[2] ? ' ' + i[2] : ''));
      add(k, h('span', 'k', i[0]), h('strong', null, i[1]));
      box.appendChild(k);
    });
    main.appendChild(box);
  }
  function table(columns, rows, empty) {
    if (!rows.length) return h('p', 'muted', empty || t('empty'));
    var wrap = h('div', 'scroll');
    var tb = h('table');
    var tr = h('tr');
    columns.forEach(function (c) { tr.appendChild(h('th', null, c[0])); });
    add(tb, add(h('thead'), tr));
    var tbody = h('tbody');
    rows.forEach(function (row) {
      var r = h('tr');
      columns.forEach(function (c) {
        var v = c[1](row);
        var td = h('td', c[2]);
        if (v instanceof Node) td.appendChild(v); else td.textContent = v === null || v === undefined ? '–' : String(v);
        r.appendChild(td);
      });
      tbody.appendChild(r);
    });
    add(tb, tbody);
    return add(wrap, tb);
  }

  /* --- charts: small SVG line charts with a local-time axis and hover values -------------------------------- */
  function chart(series, opts) {
    opts = opts || {};
    var W = 640, H = opts.height || 180, L = 56, R = 10, TOP = 10, B = 24;
    var box = h('div', 'chart');
    var legend = h('div', 'legend');
    series.forEach(function (sr, i) {
      var item = h('span', null, sr.name);
      var sw = h('i');
      sw.style.background = sr.color || COLORS[i % COLORS.length];
      item.prepend(sw);
      legend.appendChild(item);
    });
    var all = [];
    series.forEach(function (sr) { sr.points.forEach(function (p) { if (p[1] !== null && p[1] !== undefined) all.push(p); }); });
    if (!all.length) { add(box, legend, h('p', 'muted', t('empty'))); return box; }
    var x0 = opts.from !== undefined ? opts.from : Math.min.apply(null, all.map(function (p) { return p[0]; }));
    var x1 = opts.to !== undefined ? opts.to : Math.max.apply(null, all.map(function (p) { return p[0]; }));
    if (x1 <= x0) x1 = x0 + 60000;
    var ymax = opts.max || Math.max.apply(null, all.map(function (p) { return p[1]; }));
    if (!(ymax > 0)) ymax = 1;
    ymax = nice(ymax);
    var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': opts.title || '' });
    function X(v) { return L + (v - x0) / (x1 - x0) * (W - L - R); }
    function Y(v) { return TOP + (1 - v / ymax) * (H - TOP - B); }
    for (var i = 0; i <= 4; i++) {
      var yv = ymax * i / 4;
      svg.appendChild(s('line', { x1: L, x2: W - R, y1: Y(yv), y2: Y(yv), class: 'grid' }));
      var lab = s('text', { x: L - 4, y: Y(yv) + 4, 'text-anchor': 'end', class: 'axis' });
      lab.textContent = opts.fmt ? opts.fmt(yv) : num(yv);
      svg.appendChild(lab);
    }
    var span = x1 - x0;
    var long = span > 2 * 86400000;
    for (i = 0; i <= 5; i++) {
      var xv = x0 + span * i / 5;
      var tl = s('text', { x: X(xv), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === 5 ? 'end' : 'middle', class: 'axis' });
      tl.textContent = long ? date('day-hour', { month: 'numeric', day: 'numeric', hour: '2-digit' }, xv) : date('hour-minute', { hour: '2-digit', minute: '2-digit' }, xv);
      svg.appendChild(tl);
    }
    series.forEach(function (sr, si) {
      var d = '';
      var pen = false;
      sr.points.forEach(function (p) {
        if (p[1] === null || p[1] === undefined) { pen = false; return; }
        d += (pen ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1);
        pen = true;
      });
      var color = sr.color || COLORS[si % COLORS.length];
      svg.appendChild(s('path', { d: d, fill: 'none', stroke: color, 'stroke-width': 2, class: 'line' }));
      if (sr.points.length < 40) sr.points.forEach(function (p) {
        if (p[1] !== null && p[1] !== undefined) svg.appendChild(s('circle', { cx: X(p[0]), cy: Y(p[1]), r: 2.5, fill: color }));
      });
    });
    if (opts.mark) {
      svg.appendChild(s('rect', { x: X(opts.mark[0]), y: TOP, width: Math.max(2, X(opts.mark[1]) - X(opts.mark[0])), height: H - TOP - B, class: 'mark' }));
    }
    var cursor = s('line', { x1: 0, x2: 0, y1: TOP, y2: H - B, class: 'cursor', visibility: 'hidden' });
    svg.appendChild(cursor);
    var tip = h('div', 'tip');
    tip.hidden = true;
    svg.addEventListener('mousemove', function (ev) {
      var rect = svg.getBoundingClientRect();
      var xv = x0 + ((ev.clientX - rect.left) / rect.width * W - L) / (W - L - R) * span;
      var best = null;
      all.forEach(function (p) { if (!best || Math.abs(p[0] - xv) < Math.abs(best - xv)) best = p[0]; });
      cursor.setAttribute('x1', X(best));
      cursor.setAttribute('x2', X(best));
      cursor.setAttribute('visibility', 'visible');
      var lines = [when(best)];
      series.forEach(function (sr) {
        sr.points.forEach(function (p) { if (p[0] === best) lines.push(sr.name + ': ' + (opts.fmt ? opts.fmt(p[1]) : num(p[1]))); });
      });
      tip.textContent = lines.join('\n');
      tip.hidden = false;
      var left = ev.clientX - rect.left + 12;
      tip.style.left = Math.min(left, rect.width - 160) + 'px';
      tip.style.top = '1.5rem';
    });
    svg.addEventListener('mouseleave', function () { tip.hidden = true; cursor.setAttribute('visibility', 'hidden'); });
    add(box, legend, add(h('div', 'plot'), svg, tip));
    return box;
  }
  function nice(v) {
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function pts(rows, key, scale) {
    return rows.map(function (r) { return [r.t, r[key] === null ? null : r[key] * (scale || 1)]; });
  }
  function bar(parts) {
    /* parts: [[label, value, class]] stacked to 100% */
    var total = parts.reduce(function (a, p) { return a + (p[1] || 0); }, 0);
    var b = h('div', 'stack');
    parts.forEach(function (p) {
      if (!p[1]) return;
      var seg = h('span', p[2], total ? Math.round(p[1] / total * 100) + '%' : '');
      seg.style.width = (p[1] / total * 100) + '%';
      seg.title = p[0] + ': ' + num(p[1], 1);
      b.appendChild(seg);
    });
    return b;
  }

  /* --- pages --------------------------------------------------------------------------------------------------- */
  var pages = {};
  pages.overview = function () {
    return api('overview?' + range).then(function (d) {
      var x = d.totals;
      kpis([
        [t('requests'), num(x.requests, 0)], [t('errors'), num(x.errors, 0) + ' (' + pct(x.error_rate * 100) + ')', x.errors ? 'bad' : ''],
        ['p50 / p95 / p99', ms(x.p50_ms) + ' / ' + ms(x.p95_ms) + ' / ' + ms(x.p99_ms)], [t('ttft'), ms(x.ttft_ms)],
        [t('tokens'), num(x.input_tokens, 0) + ' / ' + num(x.output_tokens, 0)],
        [t('cost'), num(x.cost, 4) + ' ' + d.currency], [t('cold_starts'), num(x.cold_starts, 0) + ' · ' + ms(x.cold_start_wait_ms)]
      ]);
      if (!x.requests) main.appendChild(h('p', 'muted empty', t('empty')));
      var o = { from: d.from_ms, to: d.to_ms };
      add(section(t('requests') + ' / ' + t('errors'), 'half'), chart([
        { name: t('requests'), points: pts(d.series, 'requests') },
        { name: t('errors'), points: pts(d.series, 'errors'), color: 'var(--bad)' }], o));
      add(section(t('latency') + ' (ms)', 'half'), chart([
        { name: 'p50', points: pts(d.series, 'p50_ms') }, { name: 'p95', points: pts(d.series, 'p95_ms') },
        { name: 'p99', points: pts(d.series, 'p99_ms') }], Object.assign({ fmt: ms }, o)));
      add(section(t('ttft') + ' (ms)', 'half'), chart([{ name: 'TTFT', points: pts(d.series, 'ttft_ms') }], Object.assign({ fmt: ms }, o)));
      add(section(t('tokens'), 'half'), chart([
        { name: t('input_tokens'), points: pts(d.series, 'input_tokens') },
        { name: t('output_tokens'), points: pts(d.series, 'output_tokens') }], o));
      var ph = d.phases;
      var phs = section(t('phases'));
      add(phs, bar([[t('queue'), ph.queue_ms, 'p-queue'], [t('load'), ph.load_ms, 'p-load'],
        [t('prompt_eval'), ph.prompt_eval_ms, 'p-prompt'], [t('generation'), ph.generation_ms, 'p-gen']]));
      add(phs, h('p', 'muted', t('queue') + ' ' + ms(ph.queue_ms) + ' · ' + t('load') + ' ' + ms(ph.load_ms) + ' · ' +
        t('prompt_eval') + ' ' + ms(ph.prompt_eval_ms) + ' · ' + t('generation') + ' ' + ms(ph.generation_ms)));
      add(section(t('by_route')), table([
        [t('route'), function (r) { return r.route; }], [t('model'), function (r) { return r.model; }],
        [t('requests'), function (r) { return num(r.requests, 0); }, 'n'], [t('errors'), function (r) { return num(r.errors, 0); }, 'n'],
        ['p50', function (r) { return ms(r.p50_ms); }, 'n'], ['p95', function (r) { return ms(r.p95_ms); }, 'n'],
        ['p99', function (r) { return ms(r.p99_ms); }, 'n'], [t('tokens'), function (r) { return num(r.input_tokens, 0) + ' / ' + num(r.output_tokens, 0); }, 'n'],
        [t('cost'), function (r) { return num(r.cost, 4); }, 'n'], [t('cold_starts'), function (r) { return num(r.cold_starts, 0); }, 'n']
      ], d.groups));
      add(section(t('by_code')), table([[t('status'), function (r) { return r.code; }, 'mono'],
        [t('count'), function (r) { return num(r.count, 0); }, 'n']], d.errors_by_code));
    });
  };

  pages.traces = function () {
    var form = h('form', 'filters');
    var fields = ['route', 'model', 'status', 'label', 'session', 'min_ms', 'q'];
    fields.forEach(function (f) {
      var input;
      if (f === 'status') {
        input = h('select');
        [['', t('any')], ['ok', 'ok'], ['error', 'error']].forEach(function (o) {
          var op = h('option', null, o[1]); op.value = o[0]; input.appendChild(op);
        });
      } else {
        input = h('input');
        input.type = f === 'min_ms' ? 'number' : 'text';
      }
      input.name = f;
      input.id = 'f-' + f;
      input.value = params.get(f) || '';
      add(form, add(h('label', null, t(f)), input));
    });
    var live = h('input');
    live.type = 'checkbox';
    live.id = 'live';
    var apply = h('button', null, t('apply'));
    apply.type = 'submit';
    add(form, apply, add(h('label', 'inline', t('live')), live));
    main.appendChild(form);
    var list = section(null, 'list');
    var moreButton = h('button', null, t('more'));
    moreButton.type = 'button';
    moreButton.hidden = true;
    main.appendChild(moreButton);
    var cursor = null;
    var rows = [];
    function query(withCursor) {
      var q = new URLSearchParams();
      q.set('window', win);
      if (to) q.set('to', to);
      fields.forEach(function (f) { if (params.get(f)) q.set(f, params.get(f)); });
      q.set('limit', '50');
      if (withCursor && cursor) q.set('cursor', cursor);
      return 'traces?' + q.toString();
    }
    function render() {
      list.replaceChildren(table([
        [t('time'), function (r) { return when(r.start_ms); }],
        ['ID', function (r) { return traceLink(r.trace_id); }],
        [t('route'), function (r) { return r.route; }], [t('model'), function (r) { return r.model; }],
        [t('status'), function (r) { var e = h('span', r.status >= 400 || r.error_code ? 'bad' : 'ok', r.error_code || r.status); return e; }],
        [t('duration'), function (r) { return ms(r.duration_ms); }, 'n'], ['TTFT', function (r) { return ms(r.ttft_ms); }, 'n'],
        [t('tokens'), function (r) { return (r.input_tokens || 0) + ' / ' + (r.output_tokens || 0); }, 'n'],
        ['', function (r) { return r.cold_start ? h('span', 'tag', 'cold') : ''; }],
        [t('evals'), function (r) { return (r.labels || '').split(',').filter(function (l) { return l && !/=(pass|ok|none)$/.test(l); }).join(' '); }],
        [t('input'), function (r) { return r.input; }, 'prompt']
      ], rows));
      list.querySelectorAll('tbody tr').forEach(function (tr, i) { tr.dataset.trace = rows[i].trace_id; });
    }
    function load(more) {
      return api(query(more)).then(function (d) {
        rows = more ? rows.concat(d.traces) : d.traces;
        cursor = d.next_cursor;
        moreButton.hidden = !cursor;
        render();
      });
    }
    moreButton.onclick = function () { load(true).catch(fail); };
    form.onsubmit = function (ev) {
      ev.preventDefault();
      fields.forEach(function (f) { var v = form.elements[f].value.trim(); if (v) params.set(f, v); else params.delete(f); });
      history.replaceState(null, '', '?' + params.toString());
      load(false).catch(fail);
    };
    var timer = null;
    live.onchange = function () {
      clearInterval(timer);
      if (live.checked) timer = setInterval(function () { if (!document.hidden) load(false).catch(function () {}); }, 3000);
    };
    return load(false);
  };

  pages.trace = function () {
    var id = (params.get('id') || '').toLowerCase();
    if (!/^[0-9a-f]{8,32}$/.test(id)) { main.appendChild(h('p', 'muted', t('no_trace'))); return Promise.resolve(); }
    return api('trace/' + id).then(function (d) {
      if (!d.trace) { main.appendChild(h('p', 'muted', t('no_trace'))); return; }
      var c = d.trace;
      main.appendChild(h('p', 'mono muted', c.trace_id + ' · ' + when(c.start_ms)));
      kpis([
        [t('duration'), ms(c.duration_ms)], [t('status'), c.error_code || String(c.status), c.status >= 400 || c.error_code ? 'bad' : ''],
        [t('route') + ' / ' + t('model'), c.route + ' · ' + (c.model || '–')], ['TTFT', ms(c.ttft_ms)],
        [t('tokens'), (c.input_tokens || 0) + ' / ' + (c.output_tokens || 0) + (c.tokens_per_second ? ' · ' + num(c.tokens_per_second) + ' tok/s' : '')],
        [t('cost'), c.cost === null ? '–' : num(c.cost, 6) + ' ' + d.currency], [t('cold_starts'), c.cold_start ? 'cold' : '–', c.cold_start ? 'warn' : '']
      ]);
      if (c.error_message) main.appendChild(h('p', 'status error', c.error_message));
      var wf = section(t('waterfall'));
      var total = Math.max(c.duration_ms, 1);
      var spanNames = d.spans.map(function (sp) { return sp.name; });
      /* Phases come from the backend's timings; shown on their own only when no span carries them. */
      var items = d.phases.filter(function (p) { return spanNames.indexOf(p.name) < 0; }).map(function (p) { return { name: p.name, start: p.start_ms, dur: p.duration_ms, cls: 'phase ' + p.name.replace('.', '-') }; })
        .concat(d.spans.map(function (sp) { return { name: sp.name, start: sp.start_ms, dur: sp.duration_ms, cls: 'span' + (/^(queue|model\.load|prompt\.eval|generate)$/.test(sp.name) ? ' phase ' + sp.name.replace('.', '-') : '') + (sp.error_type ? ' err' : ''), depth: sp.parent_id ? 1 : 0 }; }));
      items.forEach(function (it) { total = Math.max(total, it.start + it.dur); });
      var grid = h('div', 'waterfall');
      items.forEach(function (it) {
        var row = h('div', 'wrow');
        var name = h('span', 'wname', it.name);
        var track = h('span', 'wtrack');
        var b = h('span', 'wbar ' + it.cls);
        b.style.left = (it.start / total * 100) + '%';
        b.style.width = Math.max(0.4, it.dur / total * 100) + '%';
        b.title = it.name + ': ' + ms(it.dur) + ' @ ' + ms(it.start);
        add(track, b);
        add(row, name, track, h('span', 'wms', ms(it.dur)));
        grid.appendChild(row);
      });
      add(wf, grid, h('p', 'muted', '0 – ' + ms(total)));
      var io = section(t('input') + ' / ' + t('output'));
      add(io, h('h3', null, t('input')), h('pre', 'text', c.input === null ? '–' : c.input),
        h('h3', null, t('output')), h('pre', 'text', c.output === null ? '–' : c.output));
      add(section(t('evals')), table([[t('evaluations'), function (r) { return r.name; }],
        [t('label'), function (r) { return h('span', /^(pass|ok|none)$/.test(r.label) ? 'ok' : 'bad', r.label); }],
        [t('score'), function (r) { return num(r.score, 2); }, 'n'], [t('reason'), function (r) { return r.reason; }]], d.evaluations));
      var mark = [c.start_ms, c.start_ms + c.duration_ms];
      add(section(t('host') + ' (%)', 'half'), chart([
        { name: t('cpu') + ' %', points: d.host.map(function (x) { return [x.t, x.cpu_percent]; }) },
        { name: t('memory') + ' %', points: d.host.map(function (x) { return [x.t, x.memory_total ? x.memory_used / x.memory_total * 100 : null]; }) }
      ].concat(roles(d.processes, 'cpu_percent', ' CPU %')), { max: 100, fmt: pct, mark: mark }));
      add(section(t('rum_action')), table([[t('time'), function (r) { return when(r.time_ms); }],
        ['type', function (r) { return r.type; }], ['name', function (r) { return r.name; }],
        [t('duration'), function (r) { return ms(r.value); }, 'n'], [t('browsers'), function (r) { return [r.browser, r.os, r.device].filter(Boolean).join(' · '); }],
        [t('session'), function (r) { return r.session_id; }, 'mono']], d.rum, t('no_rum')));
    });
  };
  function roles(rows, key, suffix) {
    var by = {};
    rows.forEach(function (r) { (by[r.role] = by[r.role] || []).push([r.t, r[key]]); });
    return Object.keys(by).sort().map(function (role, i) { return { name: role + suffix, points: by[role], color: COLORS[(i + 2) % COLORS.length] }; });
  }

  pages.evaluations = function () {
    return api('evaluations?' + range).then(function (d) {
      var names = {};
      d.series.forEach(function (r) { (names[r.name] = names[r.name] || []).push([r.t, r.flagged]); });
      add(section(t('trend'), 'half'), chart(Object.keys(names).sort().map(function (n) { return { name: n, points: names[n] }; }), { from: d.from_ms, to: d.to_ms }));
      add(section(t('evaluations')), table([[t('evaluations'), function (r) { return r.name; }],
        [t('label'), function (r) { return h('span', /^(pass|ok|none)$/.test(r.label) ? 'ok' : 'bad', r.label); }],
        [t('count'), function (r) { return num(r.count, 0); }, 'n'], [t('score'), function (r) { return num(r.avg_score, 2); }, 'n']], d.counts));
      add(section(t('flagged')), table([[t('time'), function (r) { return when(r.time_ms); }],
        ['ID', function (r) { return traceLink(r.trace_id); }], [t('evaluations'), function (r) { return r.name; }],
        [t('label'), function (r) { return h('span', 'bad', r.label); }], [t('reason'), function (r) { return r.reason; }],
        [t('model'), function (r) { return r.model; }], [t('input'), function (r) { return r.input; }, 'prompt']], d.flagged));
    });
  };

  pages.users = function () {
    return api('rum?' + range).then(function (d) {
      if (!d.has_data) { main.appendChild(h('p', 'muted empty', t('no_rum'))); return; }
      var x = d.totals;
      kpis([[t('sessions'), num(x.sessions, 0)], [t('views'), num(x.views, 0)], [t('actions'), num(x.actions, 0)],
        [t('js_errors'), num(x.errors, 0), x.errors ? 'bad' : '']]);
      var v = section(t('vitals'));
      d.vitals.forEach(function (r) {
        var row = h('div', 'vital');
        var value = r.p75 === null ? '–' : (r.name === 'CLS' ? num(r.p75, 3) : ms(r.p75));
        add(row, h('strong', null, r.name), h('span', 'muted', t('p75') + ' ' + value + ' · n=' + r.count + ' · ≤' +
          (r.name === 'CLS' ? r.good_max : ms(r.good_max)) + ' / >' + (r.name === 'CLS' ? r.poor_min : ms(r.poor_min))),
          r.count ? bar([[t('good'), r.good, 'good'], [t('ni'), r.needs_improvement, 'ni'], [t('poor'), r.poor, 'poor']]) : h('span'));
        v.appendChild(row);
      });
      add(v, h('p', 'muted legendline', '■ ' + t('good') + '  ■ ' + t('ni') + '  ■ ' + t('poor')));
      var kc = function (label) { return [[label, function (r) { return r.key || '?'; }], [t('count'), function (r) { return num(r.count, 0); }, 'n'], [t('sessions'), function (r) { return num(r.sessions, 0); }, 'n']]; };
      add(section(t('js_errors')), table([[t('message'), function (r) { return r.key; }], [t('count'), function (r) { return num(r.count, 0); }, 'n'],
        [t('sessions'), function (r) { return num(r.sessions, 0); }, 'n'], [t('time'), function (r) { return when(r.last_ms); }]], d.errors));
      /* Exact counts per action from the rollups; sessions and average value from the newest actions. */
      var recentActions = {};
      d.actions.forEach(function (r) { recentActions[r.key] = r; });
      function recent(r, key, f) { var a = recentActions[r.name]; return a ? f(a[key]) : '–'; }
      add(section(t('actions')), table([[t('actions'), function (r) { return r.name || '?'; }],
        [t('count'), function (r) { return num(r.count, 0); }, 'n'],
        [t('sessions') + ' *', function (r) { return recent(r, 'sessions', function (v) { return num(v, 0); }); }, 'n'],
        [t('value') + ' *', function (r) { return recent(r, 'avg_value', ms); }, 'n']], d.action_counts),
        h('p', 'muted note', t('sampled')));
      var geo = section(t('countries'));
      add(geo, table(kc(t('countries')), d.countries), h('p', 'attribution', d.geo_attribution));
      var grid = h('div', 'grid3');
      [['browsers', d.browsers], ['os', d.os], ['devices', d.devices]].forEach(function (p) {
        add(grid, add(h('section', 'card'), h('h2', null, t(p[0])), table(kc(t(p[0])), p[1])));
      });
      main.appendChild(grid);
      add(section(t('recent')), table([[t('time'), function (r) { return when(r.time_ms); }], ['name', function (r) { return r.name; }],
        [t('duration'), function (r) { return ms(r.value); }, 'n'], [t('status'), function (r) { return r.status; }],
        [t('trace'), function (r) { return r.trace_id ? traceLink(r.trace_id) : '–'; }], [t('countries'), function (r) { return r.country; }],
        [t('browsers'), function (r) { return r.browser; }]], d.recent_actions));
    });
  };

  pages.infrastructure = function () {
    return api('infrastructure?' + range).then(function (d) {
      var o = { from: d.from_ms, to: d.to_ms };
      var adv = section(t('advice'), 'advice');
      var a = d.advice;
      adv.appendChild(h('p', null, lang === 'ja' ? (a.cold_starts ? 'この期間のコールドスタート ' + a.cold_starts + ' 回で、ユーザーは合計 ' + num(a.wait_seconds) + ' 秒待ちました。keep_alive を長くすると避けられます' + (a.resident_bytes ? '（常駐メモリ ' + bytes(a.resident_bytes) + '）。' : '。') : 'この期間にコールドスタートはありません。') : a.text));
      add(section(t('host') + ': ' + t('cpu'), 'half'), chart([{ name: t('cpu') + ' %', points: pts(d.host, 'cpu_percent') },
        { name: 'max', points: pts(d.host, 'cpu_max'), color: 'var(--c3)' }], Object.assign({ max: 100, fmt: pct }, o)));
      add(section(t('host') + ': ' + t('memory'), 'half'), chart([{ name: t('memory'), points: pts(d.host, 'memory_used') },
        { name: 'total', points: pts(d.host, 'memory_total'), color: 'var(--muted)' }], Object.assign({ fmt: bytes }, o)));
      add(section(t('runner'), 'half'), chart(roles(d.processes, 'cpu_percent', ''), Object.assign({ fmt: pct }, o)));
      add(section(t('rss'), 'half'), chart(roles(d.processes, 'rss', ''), Object.assign({ fmt: bytes }, o)));
      var res = section(t('residency'));
      if (!d.residency.length) res.appendChild(h('p', 'muted', t('empty')));
      var span = d.to_ms - d.from_ms;
      d.residency.forEach(function (r) {
        var row = h('div', 'wrow');
        var track = h('span', 'wtrack');
        var b = h('span', 'wbar resident');
        b.style.left = Math.max(0, (r.from_ms - d.from_ms) / span * 100) + '%';
        b.style.width = Math.max(0.5, (r.to_ms - Math.max(r.from_ms, d.from_ms)) / span * 100) + '%';
        b.title = r.model + ': ' + when(r.from_ms) + ' – ' + when(r.to_ms) + (r.unloaded ? ' (' + t('unloaded') + ')' : '');
        add(track, b);
        add(row, h('span', 'wname', r.model), track, h('span', 'wms', bytes(r.size)));
        res.appendChild(row);
      });
      add(section(t('cold_starts')), table([[t('time'), function (r) { return when(r.time_ms); }],
        ['ID', function (r) { return traceLink(r.trace_id); }], [t('route'), function (r) { return r.route; }],
        [t('model'), function (r) { return r.model; }], [t('load_ms'), function (r) { return ms(r.load_ms); }, 'n'],
        [t('duration'), function (r) { return ms(r.duration_ms); }, 'n']], d.cold_starts));
    });
  };

  frame();
  var started = performance.now();
  (pages[page] || pages.overview)().then(function () {
    body.dataset.ready = '1';
    body.dataset.drawMs = String(Math.round(performance.now() - started));
    body.dataset.readyAt = String(Math.round(performance.now()));
  }, function (e) { fail(e); body.dataset.ready = 'error'; });
})();
