(function () {
  var $ = FL.$, el = FL.el;
  var D = FL.data();
  var S = D.strings, O = D.ops, n = O.id.length, faults = D.faults || [];
  var TYPES = ['ok', 'fail', 'info'];
  var FILL = ['#81c784', '#ef9a9a', '#ffd54f'], EDGE = ['#388e3c', '#c62828', '#f9a825'];

  // Time extent: every invocation, completion and fault bound.
  var tMin = Infinity, tMax = -Infinity;
  for (var i = 0; i < n; i++) {
    tMin = Math.min(tMin, O.invoke[i]); tMax = Math.max(tMax, O.invoke[i], O.complete[i]);
  }
  faults.forEach(function (f) { tMin = Math.min(tMin, f.start); tMax = Math.max(tMax, f.start, f.end); });
  if (!isFinite(tMin)) { tMin = 0; tMax = 1; }
  var tEnd = tMax + Math.max((tMax - tMin) * 0.02, 1e6); // where info bars fade out

  // Lanes: one per process, in order.
  var procs = [], laneOf = {};
  for (i = 0; i < n; i++) if (laneOf[O.process[i]] === undefined) { laneOf[O.process[i]] = -1; procs.push(O.process[i]); }
  procs.sort(function (a, b) { return a - b; });
  procs.forEach(function (p, j) { laneOf[p] = j; });
  var index = {};
  for (i = 0; i < n; i++) index[O.id[i]] = i;

  // Violations: their operations are "bad".
  var bad = new Uint8Array(n), badWhy = {};
  D.violations.forEach(function (v, vi) {
    v.ops.forEach(function (id) {
      var j = index[id];
      if (j === undefined) return;
      bad[j] = 1;
      (badWhy[j] = badWhy[j] || []).push(vi);
    });
  });

  function label(j) {
    var s = S[O.fn[j]];
    if (O.key[j]) s += ' ' + S[O.key[j]];
    if (O.in[j]) s += ' ' + S[O.in[j]];
    var t = O.type[j];
    s += ' → ' + (t === 2 ? '?' : t === 1 ? 'fail' + (O.err[j] ? ' ' + S[O.err[j]] : '') : (O.out[j] ? S[O.out[j]] : 'ok'));
    return s;
  }
  function describe(j) {
    var t = O.type[j];
    var s = 'op ' + O.id[j] + '  client ' + O.process[j] + '  ' + TYPES[t] + (S[O.model[j]] ? '  model ' + S[O.model[j]] : '') + '\n' + label(j) +
      '\ninvoked ' + FL.ms(O.invoke[j], 1) + ' ms' + (t === 2 ? ', outcome unknown' : ', completed ' + FL.ms(O.complete[j], 1) + ' ms (took ' + FL.ms(O.complete[j] - O.invoke[j], 1) + ' ms)');
    if (O.node[j]) s += '\nserved by ' + S[O.node[j]];
    if (O.err[j]) s += '\nerror: ' + S[O.err[j]];
    (badWhy[j] || []).forEach(function (vi) { s += '\nin violation ' + (vi + 1) + ': ' + D.violations[vi].kind; });
    return s;
  }

  // Header.
  $('title').textContent = D.title;
  document.title = D.title + ' — history';
  if (D.traceLink) $('links').appendChild(FL.link(D.traceLink, 'trace (space-time diagram)'));
  var vd = $('verdict'), c = D.checker;
  if (c) {
    vd.className = 'verdict ' + c.outcome;
    vd.textContent = c.name + ': ' + c.outcome + (c.kind ? ' (' + c.kind + ')' : '') + ' — checked ' + c.checked + ' of ' + c.recorded + ' operations\n' + c.explanation;
  } else {
    vd.className = 'verdict unknown';
    vd.textContent = 'No checker ran on this history (' + n + ' operations).';
  }

  // Faults table.
  if (!faults.length) { $('faults-table').hidden = true; $('no-faults').hidden = false; }
  faults.forEach(function (f) {
    var tr = el('tr');
    tr.appendChild(el('td', 'mono', f.id));
    var kd = el('td', null, f.kind); kd.style.background = FL.faultColor(f.kind); tr.appendChild(kd);
    tr.appendChild(el('td', 'mono', f.where || (f.nodes || []).join(', ')));
    tr.appendChild(el('td', 'mono', FL.ms(f.start, 1e6) + ' – ' + (f.end < 0 ? 'end' : FL.ms(f.end, 1e6))));
    tr.appendChild(el('td', null, f.landed === undefined ? '?' : f.landed ? 'yes' : 'NO'));
    tr.appendChild(el('td', 'mono', (f.counts || '') + (f.detail ? ' — ' + f.detail : '')));
    tr.title = f.text;
    tr.style.cursor = 'pointer';
    tr.addEventListener('click', function () { view.show(f.start, f.end); $('timeline-box').scrollIntoView(); });
    $('faults-body').appendChild(tr);
  });
  // Clock rates: each node's clock faults, in time order.
  (D.clocks || []).forEach(function (c) {
    var tr = el('tr');
    tr.appendChild(el('td', 'mono', c.node));
    tr.appendChild(el('td', 'mono', FL.ms(c.from, 1e6) + ' – ' + FL.ms(c.to, 1e6)));
    tr.appendChild(el('td', 'mono', c.rate ? 'runs ' + c.rate : 'steps ' + c.step + ', back at the end'));
    tr.appendChild(el('td', 'mono', c.fault));
    tr.title = c.text;
    tr.style.cursor = 'pointer';
    tr.addEventListener('click', function () { view.show(c.from, c.to); $('timeline-box').scrollIntoView(); });
    $('clocks-body').appendChild(tr);
    $('clocks-box').hidden = false;
  });

  // Violations.
  var focusSet = null;
  function opsWindow(ids) {
    var a = Infinity, b = -Infinity;
    ids.forEach(function (id) {
      var j = index[id];
      if (j === undefined) return;
      a = Math.min(a, O.invoke[j]); b = Math.max(b, O.type[j] === 2 ? O.invoke[j] : O.complete[j]);
    });
    return isFinite(a) ? [a, b] : null;
  }
  if (D.violations.length) $('violations-box').hidden = false;
  D.violations.forEach(function (v, vi) {
    var li = el('li');
    li.appendChild(el('span', 'vk', v.kind));
    li.appendChild(document.createTextNode((v.key ? ' on ' + v.key : '') + ' — ops ' + v.ops.join(', ') + '\n' + v.explanation + '\n'));
    var w = opsWindow(v.ops);
    var b = el('button', null, 'show on the timeline');
    b.addEventListener('click', function () {
      focusSet = {};
      v.ops.forEach(function (id) { if (index[id] !== undefined) focusSet[index[id]] = 1; });
      if (v.key) { $('key').value = v.key; }
      if (w) view.show(w[0], w[1]);
      view.redraw();
      $('timeline-box').scrollIntoView();
    });
    li.appendChild(b);
    if (D.traceLink && w) {
      li.appendChild(document.createTextNode(' '));
      var pad = Math.max((w[1] - w[0]) * 0.25, 2e6);
      li.appendChild(FL.link(D.traceLink + '#t=' + Math.round(w[0] - pad) + ',' + Math.round(w[1] + pad), 'the trace around it'));
    }
    li.setAttribute('data-violation', String(vi));
    $('violations').appendChild(li);
  });
  if (D.checker && D.checker.omitted) $('violations').appendChild(el('li', 'muted', D.checker.omitted + ' more violations not listed'));

  // Key filter.
  var keys = [];
  var seenKey = {};
  for (i = 0; i < n; i++) if (!seenKey[O.key[i]]) { seenKey[O.key[i]] = 1; keys.push(S[O.key[i]]); }
  keys.sort();
  var ksel = $('key');
  ksel.appendChild(el('option', null, 'all keys')).value = '\u0000all';
  keys.forEach(function (k) { var o = el('option', null, k === '' ? '(none)' : k); o.value = k; ksel.appendChild(o); });
  ksel.value = '\u0000all';
  var typeOn = [1, 1, 1];
  ['t-ok', 't-fail', 't-info'].forEach(function (id, t) {
    $(id).addEventListener('change', function () { typeOn[t] = this.checked ? 1 : 0; view.redraw(); });
  });
  ksel.addEventListener('change', function () { view.redraw(); });

  // Search.
  var hits = null;
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) { hits = null; $('matches').textContent = ''; view.redraw(); return 0; }
    hits = new Uint8Array(n);
    var m = 0;
    for (var j = 0; j < n; j++) {
      var s = ('op ' + O.id[j] + ' ' + label(j) + ' ' + S[O.node[j]] + ' ' + S[O.err[j]]).toLowerCase();
      if (s.indexOf(q) >= 0 || String(O.id[j]) === q) { hits[j] = 1; m++; }
    }
    $('matches').textContent = m + (m === 1 ? ' match' : ' matches');
    view.redraw();
    return m;
  }
  var st = 0;
  $('search').addEventListener('input', function () { var v = this.value; clearTimeout(st); st = setTimeout(function () { search(v); }, 120); });

  // Timeline.
  var AXIS = 20, FROW = 14, LANE = 24, BAR = 16;
  var faultRow = [], rowEnds = [];
  faults.forEach(function (f) {
    var r = 0;
    while (r < rowEnds.length && rowEnds[r] > f.start) r++;
    rowEnds[r] = f.end > f.start ? f.end : f.start + 1;
    faultRow.push(r);
  });
  var top = AXIS + rowEnds.length * FROW + 6;
  var height = top + procs.length * LANE + 10;
  var box = $('canvas-box'), canvas = $('canvas'), tipEl = $('tip');
  var selected = -1;
  var view = new FL.View(canvas, {gutter: 76, min: tMin, max: tEnd, height: height, draw: draw});
  function visible(j) {
    if (!typeOn[O.type[j]]) return false;
    var k = ksel.value;
    return k === '\u0000all' || S[O.key[j]] === k;
  }
  function draw(ctx) {
    var v0 = view.v0, v1 = view.v1, W = view.width, G = view.gutter;
    var px = view.plotWidth() / (v1 - v0);
    function X(t) { return G + (t - v0) * px; }
    ctx.save();
    ctx.beginPath(); ctx.rect(G, 0, W - G, height); ctx.clip();
    ctx.font = '10px system-ui, sans-serif';
    faults.forEach(function (f, j) {
      var a = X(f.start), b = Math.max(X(f.end < 0 ? tEnd : f.end), a + 2);
      ctx.globalAlpha = 0.35; ctx.fillStyle = FL.faultColor(f.kind);
      ctx.fillRect(a, top - 3, b - a, height - top);
      ctx.globalAlpha = 1;
      var y = AXIS + faultRow[j] * FROW;
      ctx.fillRect(a, y + 1, b - a, FROW - 2);
      ctx.fillStyle = '#263238';
      FL.fitText(ctx, f.id + ' ' + f.kind + (f.where ? ' ' + f.where : f.nodes && f.nodes.length ? ' ' + f.nodes.join(',') : ''), Math.max(a, G) + 3, y + FROW - 4, b - Math.max(a, G) - 4);
    });
    if (D.anomaly) {
      var ax0 = X(D.anomaly.from), ax1 = Math.max(X(D.anomaly.to), ax0 + 2);
      ctx.fillStyle = 'rgba(255, 235, 59, 0.14)';
      ctx.fillRect(ax0, top - 3, ax1 - ax0, height - top);
      ctx.strokeStyle = 'rgba(230, 160, 0, 0.9)'; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(ax0 + 0.5, top - 3); ctx.lineTo(ax0 + 0.5, height); ctx.moveTo(ax1 - 0.5, top - 3); ctx.lineTo(ax1 - 0.5, height); ctx.stroke();
      ctx.setLineDash([]);
    }
    view.drawAxis(ctx, 0, height);
    ctx.strokeStyle = '#eceff1';
    procs.forEach(function (p, q) { var y = top + q * LANE + LANE - 0.5; ctx.beginPath(); ctx.moveTo(G, y); ctx.lineTo(W, y); ctx.stroke(); });
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (var j = 0; j < n; j++) {
      var a = O.invoke[j], t = O.type[j], b = t === 2 ? tEnd : O.complete[j];
      if (b < v0 || a > v1) continue;
      var x0 = X(a), x1 = Math.max(X(b), x0 + 2), y = top + laneOf[O.process[j]] * LANE + (LANE - BAR) / 2;
      var on = visible(j) && (!hits || hits[j]) && (!focusSet || focusSet[j]);
      ctx.globalAlpha = on ? 1 : 0.15;
      if (t === 2) {
        var g = ctx.createLinearGradient(x0, 0, x1, 0);
        g.addColorStop(0, FILL[2]); g.addColorStop(1, 'rgba(255, 213, 79, 0)');
        ctx.fillStyle = g;
      } else ctx.fillStyle = FILL[t];
      ctx.fillRect(x0, y, x1 - x0, BAR);
      ctx.strokeStyle = EDGE[t]; ctx.lineWidth = 1;
      if (t === 2) ctx.setLineDash([3, 2]);
      ctx.strokeRect(x0 + 0.5, y + 0.5, x1 - x0 - 1, BAR - 1);
      ctx.setLineDash([]);
      if (bad[j]) { ctx.strokeStyle = '#b71c1c'; ctx.lineWidth = 2.5; ctx.strokeRect(x0 - 1, y - 1, x1 - x0 + 2, BAR + 2); ctx.lineWidth = 1; }
      if (hits && hits[j]) { ctx.strokeStyle = '#fbc02d'; ctx.lineWidth = 2; ctx.strokeRect(x0 - 2, y - 2, x1 - x0 + 4, BAR + 4); ctx.lineWidth = 1; }
      if (j === selected) { ctx.strokeStyle = '#1565c0'; ctx.lineWidth = 2; ctx.strokeRect(x0 - 3, y - 3, x1 - x0 + 6, BAR + 6); ctx.lineWidth = 1; }
      var w = Math.min(x1, W) - Math.max(x0, G) - 6;
      if (w > 24) {
        ctx.fillStyle = '#1b1b1b';
        FL.fitText(ctx, label(j), Math.max(x0, G) + 3, y + BAR / 2 + 0.5, w);
      }
    }
    ctx.globalAlpha = 1;
    ctx.restore();
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, G, height);
    ctx.strokeStyle = '#ddd'; ctx.beginPath(); ctx.moveTo(G + 0.5, 0); ctx.lineTo(G + 0.5, height); ctx.stroke();
    ctx.font = '12px system-ui, sans-serif'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle'; ctx.fillStyle = '#263238';
    procs.forEach(function (p, q) { ctx.fillText('client ' + p, G - 6, top + q * LANE + LANE / 2); });
    if (faults.length) { ctx.fillStyle = '#607d8b'; ctx.fillText('faults', G - 6, AXIS + FROW / 2); }
    ctx.textAlign = 'left'; ctx.textBaseline = 'alphabetic';
  }
  function hit(mx, my) {
    if (mx < view.gutter) return null;
    var t = view.t(mx), tol = 3 * (view.v1 - view.v0) / view.plotWidth();
    if (my >= AXIS && my < AXIS + rowEnds.length * FROW) {
      var r = Math.floor((my - AXIS) / FROW);
      for (var f = 0; f < faults.length; f++) if (faultRow[f] === r && t >= faults[f].start - tol && t <= faults[f].end + tol) return {fault: f};
      return null;
    }
    var q = Math.floor((my - top) / LANE);
    if (q < 0 || q >= procs.length) return null;
    var best = -1;
    for (var j = 0; j < n; j++) {
      if (laneOf[O.process[j]] !== q) continue;
      var b = O.type[j] === 2 ? tEnd : O.complete[j];
      if (t >= O.invoke[j] - tol && t <= b + tol && (best < 0 || O.invoke[j] > O.invoke[best])) best = j;
    }
    return best >= 0 ? {op: best} : null;
  }
  canvas.addEventListener('mousemove', function (e) {
    var r = canvas.getBoundingClientRect(), h = hit(e.clientX - r.left, e.clientY - r.top);
    if (!h) { FL.tip(box, tipEl, e, null); return; }
    if (h.fault !== undefined) {
      var f = faults[h.fault];
      FL.tip(box, tipEl, e, f.text + (f.where ? '\nstruck: ' + f.where : '') + (f.landed !== undefined ? '\nlanded: ' + f.landed + ' (' + f.counts + ')' : '') + (f.detail ? '\n' + f.detail : ''));
    } else FL.tip(box, tipEl, e, describe(h.op));
  });
  canvas.addEventListener('mouseleave', function () { tipEl.hidden = true; });
  canvas.addEventListener('click', function (e) {
    if (view.dragged) { view.dragged = false; return; }
    var r = canvas.getBoundingClientRect(), h = hit(e.clientX - r.left, e.clientY - r.top);
    if (h && h.fault !== undefined) { view.show(faults[h.fault].start, faults[h.fault].end); return; }
    selected = h ? h.op : -1;
    focusSet = null;
    $('selected').textContent = selected >= 0 ? describe(selected) : 'Click an operation to see it here.';
    $('selected').classList.toggle('muted', selected < 0);
    view.redraw();
  });
  $('zoom-in').addEventListener('click', function () { view.zoom(0.5); });
  $('zoom-out').addEventListener('click', function () { view.zoom(2); });
  $('fit').addEventListener('click', function () { focusSet = null; view.fit(); });
  if (D.anomaly) {
    $('focus').hidden = false;
    $('focus').addEventListener('click', function () { view.show(D.anomaly.from, D.anomaly.to); });
  }

  // Porcupine, one key at a time, in a sandboxed frame.
  var frame = $('porcupine'), psel = $('porcupine-key');
  var pstate = D.porcupine.length ? 'pending' : 'none';
  if (D.porcupine.length || D.porcupineNote) {
    $('porcupine-box').hidden = false;
    var note = D.porcupineNote || '';
    if (D.porcupineOmitted) note += (note ? '; ' : '') + D.porcupineOmitted + ' keys not shown (too many keys, or too many operations on a key for the picture)';
    $('porcupine-note').textContent = note;
    D.porcupine.forEach(function (p, j) {
      var o = el('option', null, (p.key === '' ? '(none)' : p.key) + ' — ' + p.outcome);
      o.value = String(j);
      psel.appendChild(o);
    });
    if (!D.porcupine.length) { frame.hidden = true; psel.disabled = true; }
  }
  function showPorcupine(j) {
    FL.status({porcupine: 'pending'});
    frame.srcdoc = D.porcupine[j].doc;
  }
  psel.addEventListener('change', function () { showPorcupine(Number(psel.value)); });
  window.addEventListener('message', function (e) {
    if (e.source !== frame.contentWindow || !e.data || !e.data.faultlinePorcupine) return;
    var d = e.data;
    frame.style.height = Math.max(240, Math.min(d.height + 24, 1200)) + 'px';
    FL.status({porcupine: d.errors.length ? 'error' : 'ok', 'porcupine-rects': d.rects, 'porcupine-annotations': d.annotations});
    if (d.errors.length) FL.status({state: 'error', errors: 'porcupine: ' + d.errors.join('; ')});
  });

  $('footer').textContent = 'Drag to pan, wheel to zoom, hover or click an operation. Bars run from invocation to completion; an info operation (outcome unknown) fades out: it may take effect at any later instant. Times are simulated true time in ms.';

  if (D.anomaly) view.show(D.anomaly.from, D.anomaly.to); else view.fit();
  view.drawNow();
  window.faultlineHistory = {view: view, search: search, bad: function () { var m = 0; for (var j = 0; j < n; j++) m += bad[j]; return m; }};
  FL.ready({ops: n, lanes: procs.length, violations: D.violations.length, faults: faults.length, porcupine: pstate});
  if (D.porcupine.length) showPorcupine(0);
})();
