(function () {
  var $ = FL.$, el = FL.el;
  var D = FL.data();
  var N = D.k.length;
  var T = new Float64Array(N), K = new Uint8Array(N), NODE = new Int32Array(N), PEER = new Int32Array(N);
  var L = new Float64Array(N), DET = new Int32Array(N), M = new Int32Array(N);
  var acc = 0;
  for (var i = 0; i < N; i++) {
    acc += D.t[i]; T[i] = acc; K[i] = D.k[i]; NODE[i] = D.n[i]; PEER[i] = D.p[i];
    L[i] = D.l[i]; DET[i] = D.d[i]; M[i] = D.m[i];
  }
  D.t = D.k = D.n = D.p = D.l = D.d = D.m = null; // the typed arrays hold them now
  var kinds = D.kinds, nodes = D.nodes, strings = D.strings, faults = D.faults || [];
  var kindId = {};
  kinds.forEach(function (k, j) { kindId[k] = j; });
  function kid(name) { return kindId[name] === undefined ? -1 : kindId[name]; }
  var KS = kid('send'), KD = kid('deliver'), KDROP = kid('drop'), KSTART = kid('start'), KCRASH = kid('crash'),
    KPAUSE = kid('pause'), KRESUME = kid('resume'), KTIMER = kid('timer'), KSET = kid('settimer'), KLOG = kid('log'),
    KBROKEN = kid('broken'), KFAULT = kid('fault'), KCLOCK = kid('clock'), KACTION = kid('action'), KPANIC = kid('panic'),
    KSTOP = kid('stop'), KBUG = kid('buggify');
  function seqOf(j) { return D.seqs ? D.seqs[j] : D.seq + j; }
  var tEnd = N ? T[N - 1] : 1;

  // Pairing: sendTo[s] is the first delivery or drop of send s (-1: none).
  var sendTo = new Int32Array(N).fill(-1);
  var maxLat = 0, msgs = 0, drops = 0, kindCount = new Int32Array(kinds.length);
  for (i = 0; i < N; i++) {
    kindCount[K[i]]++;
    if (K[i] === KS) msgs++;
    if (K[i] === KDROP) drops++;
    if (M[i] > 0) {
      var s = i - M[i];
      if (sendTo[s] < 0) sendTo[s] = i;
      if (T[i] - T[s] > maxLat) maxLat = T[i] - T[s];
    }
  }

  // Lanes: 0 is the harness (records with no node), then one per node.
  var nl = nodes.length + 1;
  function laneOf(n) { return n < 0 ? 0 : n + 1; }
  function laneName(l) { return l === 0 ? 'harness' : nodes[l - 1]; }
  var laneCount = new Int32Array(nl);
  for (i = 0; i < N; i++) laneCount[laneOf(NODE[i])]++;
  var laneEvents = [];
  for (var l = 0; l < nl; l++) laneEvents.push(new Int32Array(laneCount[l]));
  var fill = new Int32Array(nl);
  for (i = 0; i < N; i++) { l = laneOf(NODE[i]); laneEvents[l][fill[l]++] = i; }
  // Down (crash..start) and paused (pause..resume) intervals per lane.
  var down = [], paused = [];
  for (l = 0; l < nl; l++) { down.push([]); paused.push([]); }
  var openDown = new Float64Array(nl).fill(-1), openPause = new Float64Array(nl).fill(-1);
  for (i = 0; i < N; i++) {
    l = laneOf(NODE[i]);
    if (K[i] === KCRASH) openDown[l] = T[i];
    else if (K[i] === KSTART && openDown[l] >= 0) { down[l].push([openDown[l], T[i]]); openDown[l] = -1; }
    else if (K[i] === KPAUSE) openPause[l] = T[i];
    else if (K[i] === KRESUME && openPause[l] >= 0) { paused[l].push([openPause[l], T[i]]); openPause[l] = -1; }
  }
  for (l = 0; l < nl; l++) {
    if (openDown[l] >= 0) down[l].push([openDown[l], Infinity]);
    if (openPause[l] >= 0) paused[l].push([openPause[l], Infinity]);
  }

  // Filters.
  var laneOn = new Uint8Array(nl).fill(1);
  var kindOn = new Uint8Array(kinds.length).fill(1);
  if (KSET >= 0) kindOn[KSET] = 0;
  var matched = new Uint8Array(N), matchList = new Int32Array(0), matchCursor = -1;
  var selected = -1;

  // Fault rows: greedy packing of the windows into rows.
  var faultRow = [], rowEnds = [];
  faults.forEach(function (f) {
    var end = f.end < 0 ? Infinity : f.end, r = 0;
    while (r < rowEnds.length && rowEnds[r] > f.start) r++;
    rowEnds[r] = end === f.start ? end + 1 : end;
    faultRow.push(r);
  });
  var faultRows = rowEnds.length;
  var nodeFaults = []; // per lane, the faults that touch it
  for (l = 0; l < nl; l++) nodeFaults.push([]);
  var nodeIdx = {};
  nodes.forEach(function (n, j) { nodeIdx[n] = j; });
  faults.forEach(function (f, j) {
    if (!f.nodes || f.nodes.length === 0) { for (var q = 1; q < nl; q++) nodeFaults[q].push(j); return; }
    f.nodes.forEach(function (n) { if (nodeIdx[n] !== undefined) nodeFaults[nodeIdx[n] + 1].push(j); });
  });

  // Layout.
  var AXIS = 20, FROW = 14, LANE = 30;
  var laneY = new Float64Array(nl);
  var top = AXIS + faultRows * FROW + (faultRows ? 6 : 0);
  function layout() {
    var y = top;
    for (var q = 0; q < nl; q++) {
      if (!laneOn[q]) { laneY[q] = -1; continue; }
      laneY[q] = y + LANE / 2;
      y += LANE;
    }
    return y + 8;
  }

  // Text.
  FL.$('title').textContent = D.title || 'trace';
  document.title = (D.title || 'trace') + ' — trace';
  if (D.historyLink) $('links').appendChild(FL.link(D.historyLink, 'history of operations'));
  var sum = N + ' records, ' + nodes.length + ' nodes, ' + msgs + ' messages sent (' + drops + ' drops), ' +
    FL.ms(tEnd, 1e6) + ' ms of simulated time';
  if (D.omitted) sum += '; ' + D.omitted + ' later records left out (limit reached)';
  if (D.truncated) sum += '; ' + D.truncated + ' long details shortened';
  $('summary').textContent = sum;

  var box = $('canvas-box'), canvas = $('canvas'), tipEl = $('tip');
  var stats = {arrows: 0, markers: 0, inView: 0};
  var view = new FL.View(canvas, {gutter: 96, min: 0, max: Math.max(tEnd, 1), height: layout(), draw: draw, onchange: changed});

  var kindStyle = {};
  function style(name, color) { if (kindId[name] !== undefined) kindStyle[kindId[name]] = color; }
  style('send', '#455a64'); style('deliver', '#455a64'); style('drop', '#d32f2f'); style('timer', '#9e9e9e');
  style('settimer', '#bdbdbd'); style('log', '#1e88e5'); style('start', '#2e7d32'); style('crash', '#c62828');
  style('pause', '#f9a825'); style('resume', '#2e7d32'); style('broken', '#ef6c00'); style('fault', '#1565c0');
  style('clock', '#8e24aa'); style('action', '#37474f'); style('panic', '#b71c1c'); style('stop', '#000');
  style('buggify', '#d81b60');
  function colorOf(k) { return kindStyle[k] || '#757575'; }

  function draw(ctx) {
    var h = layout();
    if (Math.abs(h - view.height) > 0.5) { view.setHeight(h); }
    var v0 = view.v0, v1 = view.v1, W = view.width, G = view.gutter;
    var px = view.plotWidth() / (v1 - v0);
    function X(t) { return G + (t - v0) * px; }
    ctx.save();
    ctx.beginPath(); ctx.rect(G, 0, W - G, h); ctx.clip();
    // Focus window.
    if (D.focus) {
      ctx.fillStyle = 'rgba(255, 235, 59, 0.14)';
      var fx0 = X(D.focus.from), fx1 = Math.max(X(D.focus.to), fx0 + 2);
      ctx.fillRect(fx0, AXIS, fx1 - fx0, h - AXIS);
      ctx.strokeStyle = 'rgba(230, 160, 0, 0.9)'; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(fx0 + 0.5, AXIS); ctx.lineTo(fx0 + 0.5, h); ctx.moveTo(fx1 - 0.5, AXIS); ctx.lineTo(fx1 - 0.5, h); ctx.stroke();
      ctx.setLineDash([]);
    }
    // Fault windows: a bar in the fault strip, a band over the lanes.
    ctx.font = '10px system-ui, sans-serif';
    faults.forEach(function (f, j) {
      var a = X(f.start), b = X(f.end < 0 ? tEnd : f.end);
      if (b < G || a > W) return;
      b = Math.max(b, a + 2);
      var y = AXIS + faultRow[j] * FROW;
      ctx.fillStyle = FL.faultColor(f.kind);
      ctx.fillRect(a, y + 1, b - a, FROW - 2);
      ctx.fillStyle = '#263238';
      var label = f.id + ' ' + f.kind + (f.where ? ' ' + f.where : f.nodes && f.nodes.length ? ' ' + f.nodes.join(',') : '');
      FL.fitText(ctx, label, Math.max(a, G) + 3, y + FROW - 4, b - Math.max(a, G) - 4);
    });
    ctx.globalAlpha = 0.35;
    for (var q = 0; q < nl; q++) {
      if (laneY[q] < 0) continue;
      nodeFaults[q].forEach(function (j) {
        var f = faults[j], a = X(f.start), b = Math.max(X(f.end < 0 ? tEnd : f.end), a + 2);
        ctx.fillStyle = FL.faultColor(f.kind);
        ctx.fillRect(a, laneY[q] - LANE / 2 + 1, b - a, LANE - 2);
      });
    }
    ctx.globalAlpha = 1;
    view.drawAxis(ctx, 0, h);
    // Lanes, with down and paused spans.
    for (q = 0; q < nl; q++) {
      var y0 = laneY[q];
      if (y0 < 0) continue;
      ctx.strokeStyle = '#b0bec5'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(G, y0 + 0.5); ctx.lineTo(W, y0 + 0.5); ctx.stroke();
    }
    // Records in view.
    var j0 = FL.lowerBound(T, v0), j1 = FL.lowerBound(T, v1 + 1);
    var a0 = FL.lowerBound(T, v0 - maxLat);
    var inView = j1 - j0;
    var dense = inView > 20000;
    var msgOn = KS >= 0 && kindOn[KS];
    // Search halos first, under everything else.
    if (matchList.length) {
      ctx.fillStyle = 'rgba(255, 214, 0, 0.85)';
      for (i = j0; i < j1; i++) {
        if (!matched[i]) continue;
        var ly = laneY[laneOf(NODE[i])];
        if (ly < 0) continue;
        ctx.beginPath(); ctx.arc(X(T[i]), ly, 6, 0, 6.2832); ctx.fill();
      }
    }
    // Messages: one path per style.
    var arrows = 0;
    var pDeliver = new Path2D(), pDrop = new Path2D(), pHead = new Path2D(), pFlight = new Path2D();
    var heads = inView < 6000;
    function arrow(s, e, drop) {
      var ys = laneY[laneOf(NODE[s])], ye;
      if (ys < 0) return;
      var xs = X(T[s]), xe = X(T[e]);
      if (drop) {
        var yr = laneY[laneOf(PEER[s])];
        ye = yr < 0 ? ys + (ys > top + LANE ? -LANE / 2 : LANE / 2) : ys + (yr - ys) / 2;
        if (yr === ys) ye = ys - LANE / 3;
        pDrop.moveTo(xs, ys); pDrop.lineTo(xe, ye);
        pDrop.moveTo(xe - 3, ye - 3); pDrop.lineTo(xe + 3, ye + 3); pDrop.moveTo(xe + 3, ye - 3); pDrop.lineTo(xe - 3, ye + 3);
      } else {
        ye = laneY[laneOf(NODE[e])];
        if (ye < 0) return;
        pDeliver.moveTo(xs, ys); pDeliver.lineTo(xe, ye);
        if (heads) {
          var ang = Math.atan2(ye - ys, xe - xs);
          pHead.moveTo(xe, ye);
          pHead.lineTo(xe - 6 * Math.cos(ang - 0.4), ye - 6 * Math.sin(ang - 0.4));
          pHead.lineTo(xe - 6 * Math.cos(ang + 0.4), ye - 6 * Math.sin(ang + 0.4));
          pHead.closePath();
        }
      }
      arrows++;
    }
    if (msgOn) {
      for (i = a0; i < j1; i++) {
        var k = K[i];
        if (M[i] > 0 && ((k === KD && kindOn[KD]) || (k === KDROP && kindOn[KDROP])) && T[i] >= v0) arrow(i - M[i], i, k === KDROP);
      }
      // Sends in view whose delivery lies beyond it, or never came.
      for (i = j0; i < j1; i++) {
        if (K[i] !== KS) continue;
        var e = sendTo[i];
        if (e >= j1) { if ((K[e] === KD && kindOn[KD]) || (K[e] === KDROP && kindOn[KDROP])) arrow(i, e, K[e] === KDROP); }
        else if (e < 0) {
          var ys2 = laneY[laneOf(NODE[i])], yr2 = laneY[laneOf(PEER[i])];
          if (ys2 >= 0) { var x2 = X(T[i]); pFlight.moveTo(x2, ys2); pFlight.lineTo(x2 + 12, yr2 < 0 ? ys2 : ys2 + (yr2 - ys2) / 3); }
        }
      }
    }
    ctx.lineWidth = 1;
    ctx.globalAlpha = Math.max(0.06, Math.min(0.8, 1500 / Math.max(arrows, 1)));
    ctx.strokeStyle = '#546e7a'; ctx.stroke(pDeliver);
    ctx.fillStyle = '#546e7a'; if (heads) ctx.fill(pHead);
    ctx.globalAlpha = Math.min(1, ctx.globalAlpha + 0.2);
    ctx.strokeStyle = '#d32f2f'; ctx.stroke(pDrop);
    ctx.strokeStyle = '#90a4ae'; ctx.setLineDash([2, 2]); ctx.stroke(pFlight); ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    // Down and paused spans, over the messages.
    for (q = 0; q < nl; q++) {
      var yq = laneY[q];
      if (yq < 0) continue;
      down[q].forEach(function (d) {
        var a = X(d[0]), b = Math.max(X(Math.min(d[1], tEnd + (v1 - v0))), a + 2);
        ctx.fillStyle = 'rgba(198, 40, 40, 0.22)'; ctx.fillRect(a, yq - 9, b - a, 18);
        ctx.strokeStyle = '#c62828'; ctx.lineWidth = 2; ctx.setLineDash([5, 3]);
        ctx.beginPath(); ctx.moveTo(a, yq + 0.5); ctx.lineTo(b, yq + 0.5); ctx.stroke(); ctx.setLineDash([]); ctx.lineWidth = 1;
      });
      paused[q].forEach(function (d) {
        var a = X(d[0]), b = Math.max(X(Math.min(d[1], tEnd + (v1 - v0))), a + 2);
        ctx.fillStyle = 'rgba(249, 168, 37, 0.4)'; ctx.fillRect(a, yq - 9, b - a, 18);
      });
    }
    // Markers. In a dense view, at most one marker per kind per pixel
    // column per lane.
    var markers = 0;
    var cols = Math.ceil(W) + 1;
    var seen = dense ? new Uint8Array(cols * nl) : null;
    for (i = j0; i < j1; i++) {
      k = K[i];
      if (!kindOn[k] || k === KD || k === KS || k === KDROP) continue;
      l = laneOf(NODE[i]);
      var y = laneY[l];
      if (y < 0) continue;
      var x = X(T[i]);
      if (seen) {
        var c = (x | 0) * nl + l;
        if (seen[c] & (1 << (k & 7))) continue;
        seen[c] |= 1 << (k & 7);
      }
      markers++;
      ctx.fillStyle = ctx.strokeStyle = colorOf(k);
      if (k === KTIMER) ctx.fillRect(x - 0.5, y - 8, 1, 6);
      else if (k === KSET) ctx.fillRect(x - 0.5, y + 3, 1, 4);
      else if (k === KLOG) { ctx.fillRect(x - 1.5, y - 12, 3, 3); }
      else if (k === KSTART) { ctx.beginPath(); ctx.moveTo(x, y - 7); ctx.lineTo(x + 6, y); ctx.lineTo(x, y + 7); ctx.closePath(); ctx.fill(); }
      else if (k === KCRASH || k === KPANIC) {
        ctx.lineWidth = 2.5; ctx.beginPath(); ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6); ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6); ctx.stroke(); ctx.lineWidth = 1;
      } else if (k === KPAUSE) { ctx.fillRect(x - 4, y - 7, 3, 14); ctx.fillRect(x + 1, y - 7, 3, 14); }
      else if (k === KRESUME) { ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 6); ctx.closePath(); ctx.fill(); }
      else if (k === KCLOCK) { ctx.beginPath(); ctx.moveTo(x, y - 7); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 5, y); ctx.closePath(); ctx.fill(); }
      else if (k === KFAULT || k === KACTION || k === KSTOP) { ctx.fillRect(x - (k === KSTOP ? 1.5 : 0.5), y - 10, k === KSTOP ? 3 : 1, 20); }
      else { ctx.beginPath(); ctx.arc(x, y, 3, 0, 6.2832); ctx.fill(); }
    }
    // The selected record, and its message's other end.
    if (selected >= 0) {
      ctx.strokeStyle = '#1565c0'; ctx.lineWidth = 2;
      var ends = [selected];
      if (M[selected] > 0) ends.push(selected - M[selected]);
      if (K[selected] === KS && sendTo[selected] >= 0) ends.push(sendTo[selected]);
      if (ends.length === 2) {
        var sIdx = Math.min(ends[0], ends[1]), eIdx = Math.max(ends[0], ends[1]);
        var ya = laneY[laneOf(NODE[sIdx])], yb = laneY[laneOf(K[eIdx] === KDROP ? PEER[eIdx] : NODE[eIdx])];
        if (ya >= 0 && yb >= 0) { ctx.beginPath(); ctx.moveTo(X(T[sIdx]), ya); ctx.lineTo(X(T[eIdx]), K[eIdx] === KDROP ? ya + (yb - ya) / 2 : yb); ctx.stroke(); }
      }
      ends.forEach(function (j) {
        var yy = laneY[laneOf(NODE[j])];
        if (yy >= 0) { ctx.beginPath(); ctx.arc(X(T[j]), yy, 7, 0, 6.2832); ctx.stroke(); }
      });
      ctx.lineWidth = 1;
    }
    ctx.restore();
    // Gutter: lane names (drawn as text on the canvas).
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, G, h);
    ctx.strokeStyle = '#ddd'; ctx.beginPath(); ctx.moveTo(G + 0.5, 0); ctx.lineTo(G + 0.5, h); ctx.stroke();
    ctx.font = '12px system-ui, sans-serif'; ctx.textAlign = 'right'; ctx.fillStyle = '#263238';
    ctx.textAlign = 'left';
    for (q = 0; q < nl; q++) if (laneY[q] >= 0) { var nm = laneName(q), nw = Math.min(ctx.measureText(nm).width, G - 10); FL.fitText(ctx, nm, G - 6 - nw, laneY[q] + 4, G - 10); }
    ctx.textAlign = 'right';
    if (faultRows) { ctx.fillStyle = '#607d8b'; ctx.fillText('faults', G - 6, AXIS + 11); }
    ctx.textAlign = 'left';
    stats = {arrows: arrows, markers: markers, inView: inView, dense: dense};
  }

  // Describing a record, as text.
  function describe(j) {
    var s = '#' + seqOf(j) + '  t=' + FL.ms(T[j], 1) + ' ms  ' + kinds[K[j]] + '  ' +
      (NODE[j] >= 0 ? nodes[NODE[j]] : '-') + (PEER[j] >= 0 ? ' → ' + nodes[PEER[j]] : '');
    if (K[j] === KSET) s += '\nfires after ' + FL.ms(L[j], 1) + ' ms';
    else if (L[j]) s += '\nlen ' + L[j];
    if (DET[j]) s += '\n' + strings[DET[j]];
    if (M[j] > 0) {
      var sj = j - M[j];
      s += '\nsent #' + seqOf(sj) + ' at ' + FL.ms(T[sj], 1) + ' ms, ' + (K[j] === KDROP ? 'dropped' : 'delivered') + ' after ' + FL.ms(T[j] - T[sj], 1) + ' ms';
    }
    if (K[j] === KS) {
      var e = sendTo[j];
      if (e < 0) s += '\nnot delivered by the end of the trace';
      else s += '\n' + (K[e] === KDROP ? 'dropped' : 'delivered') + ' #' + seqOf(e) + ' at ' + FL.ms(T[e], 1) + ' ms (after ' + FL.ms(T[e] - T[j], 1) + ' ms)';
    }
    return s;
  }
  function describeFault(f) {
    var s = f.text + (f.where ? '\nstruck: ' + f.where : '') + '\nwindow ' + FL.ms(f.start, 1) + ' – ' + (f.end < 0 ? 'end' : FL.ms(f.end, 1)) + ' ms';
    if (f.landed !== undefined) s += '\nlanded: ' + f.landed + (f.counts ? ' (' + f.counts + ')' : '');
    if (f.detail) s += '\n' + f.detail;
    return s;
  }

  // Hit testing.
  function hit(mx, my) {
    var G = view.gutter;
    if (mx < G) return null;
    if (my >= AXIS && my < AXIS + faultRows * FROW) {
      var r = Math.floor((my - AXIS) / FROW), t = view.t(mx);
      for (var j = 0; j < faults.length; j++) {
        var f = faults[j];
        if (faultRow[j] === r && t >= f.start && t <= (f.end < 0 ? tEnd : f.end) + 4 * (view.v1 - view.v0) / view.plotWidth()) return {fault: j};
      }
      return null;
    }
    var lane = -1;
    for (var q = 0; q < nl; q++) if (laneY[q] >= 0 && Math.abs(my - laneY[q]) <= LANE / 2) lane = q;
    if (lane < 0) return null;
    var ev = laneEvents[lane], tt = view.t(mx), rad = 6 * (view.v1 - view.v0) / view.plotWidth();
    var lo = 0, hi = ev.length;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (T[ev[mid]] < tt - rad) lo = mid + 1; else hi = mid; }
    var best = -1, bd = Infinity;
    for (var p = lo; p < ev.length && T[ev[p]] <= tt + rad; p++) {
      var j2 = ev[p];
      if (!kindOn[K[j2]]) continue;
      var dd = Math.abs(T[j2] - tt);
      if (dd < bd) { bd = dd; best = j2; }
    }
    return best >= 0 ? {event: best} : null;
  }
  canvas.addEventListener('mousemove', function (e) {
    var r = canvas.getBoundingClientRect();
    var h = hit(e.clientX - r.left, e.clientY - r.top);
    if (!h) { FL.tip(box, tipEl, e, null); return; }
    FL.tip(box, tipEl, e, h.fault !== undefined ? describeFault(faults[h.fault]) : describe(h.event));
  });
  canvas.addEventListener('mouseleave', function () { tipEl.hidden = true; });
  canvas.addEventListener('click', function (e) {
    if (view.dragged) { view.dragged = false; return; }
    var r = canvas.getBoundingClientRect();
    var h = hit(e.clientX - r.left, e.clientY - r.top);
    if (h && h.fault !== undefined) { var f = faults[h.fault]; view.show(f.start, f.end < 0 ? tEnd : f.end); return; }
    select(h ? h.event : -1, false);
  });

  function select(j, center) {
    selected = j;
    $('selected').textContent = j >= 0 ? describe(j) : 'Click a record (on the diagram or in the list) to see it here.';
    $('selected').classList.toggle('muted', j < 0);
    if (j >= 0 && center && (T[j] < view.v0 || T[j] > view.v1 || center === 'always')) view.center(T[j]);
    view.redraw();
    scrollToSelected = j >= 0;
    buildList();
  }

  // The list of records in view (virtualized: only visible rows exist).
  var list = $('list'), spacer = $('list-spacer'), ROW = 18, rows = [], listIdx = new Int32Array(0), listN = 0;
  var scrollToSelected = false;
  function buildList() {
    var j0 = FL.lowerBound(T, view.v0), j1 = FL.lowerBound(T, view.v1 + 1);
    if (listIdx.length < j1 - j0) listIdx = new Int32Array(j1 - j0);
    var only = $('only-matches').checked, n = 0;
    for (var j = j0; j < j1; j++) {
      if (!kindOn[K[j]] || !laneOn[laneOf(NODE[j])]) continue;
      if (only && !matched[j]) continue;
      listIdx[n++] = j;
    }
    listN = n;
    spacer.style.height = (n * ROW) + 'px';
    if (scrollToSelected && selected >= 0) {
      // Bring the selected record's row into the list's view.
      scrollToSelected = false;
      var p = FL.lowerBound(listIdx, selected, n);
      if (p < n && listIdx[p] === selected) {
        var y = p * ROW;
        if (y < list.scrollTop || y > list.scrollTop + list.clientHeight - ROW) list.scrollTop = Math.max(0, y - list.clientHeight / 2);
      }
    }
    renderRows();
  }
  function renderRows() {
    var first = Math.floor(list.scrollTop / ROW), count = Math.ceil(list.clientHeight / ROW) + 2;
    while (rows.length < count) {
      var r = el('div', 'list-row');
      for (var c = 0; c < 7; c++) r.appendChild(el('span'));
      r.addEventListener('click', function () { select(Number(this.getAttribute('data-i')), false); });
      list.appendChild(r); rows.push(r);
    }
    var span = view.v1 - view.v0;
    for (var q = 0; q < rows.length; q++) {
      var row = rows[q], p = first + q;
      if (p >= listN || q >= count) { row.style.display = 'none'; continue; }
      var j = listIdx[p];
      row.style.display = '';
      row.style.top = (p * ROW) + 'px';
      row.setAttribute('data-i', String(j));
      row.className = 'list-row' + (j === selected ? ' sel' : '') + (matched[j] ? ' hit' : '');
      var cs = row.childNodes;
      cs[0].textContent = String(seqOf(j));
      cs[1].textContent = FL.ms(T[j], span);
      cs[2].textContent = kinds[K[j]];
      cs[3].textContent = NODE[j] >= 0 ? nodes[NODE[j]] : '-';
      cs[4].textContent = PEER[j] >= 0 ? nodes[PEER[j]] : '-';
      cs[5].textContent = K[j] === KSET ? FL.ms(L[j], 1e6) + 'ms' : String(L[j]);
      cs[6].textContent = strings[DET[j]];
    }
  }
  list.addEventListener('scroll', renderRows);

  var listTimer = 0;
  function changed() {
    var span = view.v1 - view.v0;
    if (document.activeElement !== $('from')) $('from').value = FL.ms(view.v0, span);
    if (document.activeElement !== $('to')) $('to').value = FL.ms(view.v1, span);
    clearTimeout(listTimer);
    listTimer = setTimeout(buildList, 60);
  }

  // Search.
  function search(q) {
    q = q.trim().toLowerCase();
    matched.fill(0);
    var n = 0;
    if (q) {
      var strHit = new Uint8Array(strings.length), nodeHit = new Uint8Array(nodes.length), kindHit = new Uint8Array(kinds.length);
      for (var j = 1; j < strings.length; j++) if (strings[j].toLowerCase().indexOf(q) >= 0) strHit[j] = 1;
      for (j = 0; j < nodes.length; j++) if (nodes[j].toLowerCase() === q) nodeHit[j] = 1;
      for (j = 0; j < kinds.length; j++) if (kinds[j] === q) kindHit[j] = 1;
      var seq = /^[0-9]+$/.test(q) ? Number(q) : -1;
      for (j = 0; j < N; j++) {
        if (strHit[DET[j]] || kindHit[K[j]] || (NODE[j] >= 0 && nodeHit[NODE[j]]) || (PEER[j] >= 0 && nodeHit[PEER[j]]) || seqOf(j) === seq) { matched[j] = 1; n++; }
      }
    }
    matchList = new Int32Array(n);
    for (var i2 = 0, p = 0; i2 < N && p < n; i2++) if (matched[i2]) matchList[p++] = i2;
    matchCursor = -1;
    $('matches').textContent = q ? n + (n === 1 ? ' match' : ' matches') : '';
    view.redraw();
    buildList();
    return n;
  }
  function step(dir) {
    if (!matchList.length) return;
    if (matchCursor < 0) {
      // Start from the view's middle.
      var mid = (view.v0 + view.v1) / 2, p = 0;
      while (p < matchList.length && T[matchList[p]] < mid) p++;
      matchCursor = dir > 0 ? Math.min(p, matchList.length - 1) : Math.max(p - 1, 0);
    } else {
      matchCursor = (matchCursor + dir + matchList.length) % matchList.length;
    }
    $('matches').textContent = (matchCursor + 1) + ' of ' + matchList.length + ' matches';
    select(matchList[matchCursor], 'always');
  }
  var searchTimer = 0;
  $('search').addEventListener('input', function () {
    clearTimeout(searchTimer);
    var v = this.value;
    searchTimer = setTimeout(function () { search(v); }, 150);
  });
  $('search').addEventListener('keydown', function (e) { if (e.key === 'Enter') step(e.shiftKey ? -1 : 1); });
  $('next').addEventListener('click', function () { step(1); });
  $('prev').addEventListener('click', function () { step(-1); });
  $('only-matches').addEventListener('change', buildList);

  // Filters.
  function chip(label, color, on, change, title) {
    var c = el('label', 'chip'), cb = el('input');
    cb.type = 'checkbox'; cb.checked = on;
    cb.addEventListener('change', function () { change(cb.checked); view.redraw(); buildList(); });
    c.appendChild(cb);
    if (color) { var dot = el('span', 'dot'); dot.style.background = color; c.appendChild(dot); }
    c.appendChild(document.createTextNode(label));
    if (title) c.title = title;
    return c;
  }
  for (l = 0; l < nl; l++) {
    (function (q) {
      if (laneCount[q] === 0 && q === 0) { laneOn[0] = 0; return; }
      var c = chip(laneName(q), null, true, function (on) { laneOn[q] = on ? 1 : 0; }, laneCount[q] + ' records');
      c.setAttribute('data-lane', laneName(q));
      $('node-filters').appendChild(c);
    })(l);
  }
  kinds.forEach(function (name, k) {
    if (!kindCount[k]) return;
    var c = chip(name + ' ' + kindCount[k], colorOf(k), !!kindOn[k], function (on) { kindOn[k] = on ? 1 : 0; });
    c.setAttribute('data-kind', name);
    $('kind-filters').appendChild(c);
  });
  faults.forEach(function (f) {
    var c = el('span', 'fault-chip', f.id + ' ' + f.kind + (f.where ? ' ' + f.where : f.nodes && f.nodes.length ? ' ' + f.nodes.join(',') : '') +
      ' [' + FL.ms(f.start, 1e6) + '–' + (f.end < 0 ? 'end' : FL.ms(f.end, 1e6)) + ' ms]' + (f.landed === false ? ' (did not land)' : ''));
    c.style.background = FL.faultColor(f.kind);
    c.title = describeFault(f);
    c.addEventListener('click', function () { view.show(f.start, f.end < 0 ? tEnd : f.end); });
    $('faults').appendChild(c);
  });
  (D.clocks || []).forEach(function (k) {
    var c = el('span', 'fault-chip clock-chip', k.node + ' ' + (k.rate ? k.rate : 'steps ' + k.step) + ' [' + FL.ms(k.from, 1e6) + '–' + FL.ms(k.to, 1e6) + ' ms] ' + k.fault);
    c.style.background = FL.faultColor(k.rate ? 'clock-drift' : 'clock-jump');
    c.title = k.text;
    c.addEventListener('click', function () { view.show(k.from, k.to); });
    $('clocks').appendChild(c);
    $('clocks').hidden = false;
  });

  // Zoom controls.
  $('zoom-in').addEventListener('click', function () { view.zoom(0.5); });
  $('zoom-out').addEventListener('click', function () { view.zoom(2); });
  $('fit').addEventListener('click', function () { view.fit(); });
  if (D.focus) {
    $('focus').hidden = false;
    $('focus').addEventListener('click', function () { view.show(D.focus.from, D.focus.to); });
  }
  function applyWindow() {
    var a = parseFloat($('from').value), b = parseFloat($('to').value);
    if (isFinite(a) && isFinite(b) && b > a) view.set(a * 1e6, b * 1e6);
  }
  $('apply').addEventListener('click', applyWindow);
  ['from', 'to'].forEach(function (id) { $(id).addEventListener('keydown', function (e) { if (e.key === 'Enter') applyWindow(); }); });
  document.addEventListener('keydown', function (e) {
    if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT')) return;
    if (e.key === '+' || e.key === '=') view.zoom(0.5);
    else if (e.key === '-') view.zoom(2);
    else if (e.key === 'ArrowLeft') view.set(view.v0 - (view.v1 - view.v0) / 4, view.v1 - (view.v1 - view.v0) / 4);
    else if (e.key === 'ArrowRight') view.set(view.v0 + (view.v1 - view.v0) / 4, view.v1 + (view.v1 - view.v0) / 4);
  });

  $('footer').textContent = 'Drag to pan, wheel or +/− to zoom, click a record or a fault. Arrows run from a send to its delivery (grey) or its drop (red ✕); ' +
    'red dashes: a node down after a crash; yellow: paused; coloured bands: fault windows; the yellow window: around the anomaly. ' +
    'Sends and deliveries are paired by (sender, receiver, digest, length), oldest first.';

  // Initial window: #t=from,to (ns) in the address, else the focus, else all.
  var m = /#t=(-?[0-9.]+),(-?[0-9.]+)/.exec(location.hash);
  if (m && Number(m[2]) > Number(m[1])) view.set(Number(m[1]), Number(m[2]));
  else if (D.focus) view.show(D.focus.from, D.focus.to);
  else view.fit();
  view.drawNow();
  buildList();
  var loadMs = performance.now();
  window.faultlineTrace = {
    view: view, search: search, step: step, select: select,
    stats: function () { return {arrows: stats.arrows, markers: stats.markers, inView: stats.inView, dense: stats.dense, drawMs: view.lastDrawMs, listed: listN, v0: view.v0, v1: view.v1}; }
  };
  FL.ready({events: N, lanes: nl, 'load-ms': Math.round(loadMs), 'draw-ms': Math.round(view.lastDrawMs), arrows: stats.arrows});
})();
