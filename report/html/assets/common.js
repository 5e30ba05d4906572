'use strict';
// Shared by the history and the trace pages. SUT text is only ever put
// into the page with textContent (or drawn on a canvas), never as markup.
var FL = (function () {
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function data() { return JSON.parse($('data').textContent); }
  function status(attrs) {
    var st = $('status');
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) st.setAttribute('data-' + k, String(attrs[k]));
  }
  function ready(attrs) {
    status(attrs || {});
    var st = $('status');
    if (st.getAttribute('data-state') !== 'error') st.setAttribute('data-state', 'ok');
  }
  // Digits after the point for times in ms, given the span in view (ns).
  function digits(span) {
    var d = Math.ceil(-Math.log10(Math.max(span, 1) / 1e6)) + 2;
    return Math.max(0, Math.min(6, d));
  }
  function ms(ns, span) {
    return (ns / 1e6).toFixed(digits(span === undefined ? 1e6 : span));
  }
  // A tick step (ns) giving ticks about px pixels apart.
  function tickStep(span, width, px) {
    var raw = span / Math.max(1, width / px);
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  var faultColors = {
    'partition': '#bbdefb', 'crash': '#ffccbc', 'pause': '#fff59d', 'clock-offset': '#e1bee7',
    'clock-drift': '#e1bee7', 'clock-jump': '#e1bee7', 'disk': '#d7ccc8', 'clog': '#c8e6c9',
    'loss': '#c8e6c9', 'duplicate': '#c8e6c9', 'reorder': '#c8e6c9', 'upgrade': '#b2dfdb'
  };
  function faultColor(kind) { return faultColors[kind] || '#e0e0e0'; }

  // View is a zoomable, pannable window [v0, v1] of time (ns) drawn on a
  // canvas, with a gutter on the left for lane labels.
  function View(canvas, opts) {
    var self = this;
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.gutter = opts.gutter || 90;
    this.min = opts.min; this.max = Math.max(opts.max, opts.min + 1);
    this.v0 = this.min; this.v1 = this.max;
    this.height = opts.height || 300;
    this.draw = opts.draw;
    this.onchange = opts.onchange || function () {};
    this.pending = false;
    this.width = 0;
    this.resize();
    window.addEventListener('resize', function () { self.resize(); self.redraw(); });
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      var r = canvas.getBoundingClientRect();
      var f = Math.exp((e.deltaY || e.deltaX) * 0.0015);
      self.zoomAt(self.t(e.clientX - r.left), f);
    }, {passive: false});
    var drag = null;
    canvas.addEventListener('mousedown', function (e) {
      drag = {x: e.clientX, v0: self.v0, v1: self.v1, moved: false};
      canvas.classList.add('dragging');
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      var dt = dx * (drag.v1 - drag.v0) / self.plotWidth();
      self.set(drag.v0 - dt, drag.v1 - dt);
    });
    window.addEventListener('mouseup', function () {
      if (drag) { self.dragged = drag.moved; drag = null; canvas.classList.remove('dragging'); }
    });
  }
  View.prototype.resize = function () {
    var dpr = window.devicePixelRatio || 1;
    var w = this.canvas.parentNode.clientWidth || 800;
    this.width = w;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(this.height * dpr);
    this.canvas.style.height = this.height + 'px';
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  };
  View.prototype.setHeight = function (h) {
    if (h !== this.height) { this.height = h; this.resize(); }
  };
  View.prototype.plotWidth = function () { return Math.max(10, this.width - this.gutter - 12); };
  View.prototype.x = function (t) { return this.gutter + (t - this.v0) * this.plotWidth() / (this.v1 - this.v0); };
  View.prototype.t = function (x) { return this.v0 + (x - this.gutter) * (this.v1 - this.v0) / this.plotWidth(); };
  View.prototype.set = function (v0, v1) {
    var span = Math.max(v1 - v0, 100); // no closer than 100ns
    var full = (this.max - this.min) * 1.2 + 1000;
    if (span > full) span = full;
    var pad = (this.max - this.min) * 0.1 + 500;
    if (v0 < this.min - pad) v0 = this.min - pad;
    if (v0 + span > this.max + pad) v0 = this.max + pad - span;
    this.v0 = v0; this.v1 = v0 + span;
    this.redraw();
  };
  View.prototype.zoomAt = function (t, f) {
    this.set(t - (t - this.v0) * f, t + (this.v1 - t) * f);
  };
  View.prototype.zoom = function (f) { this.zoomAt((this.v0 + this.v1) / 2, f); };
  View.prototype.fit = function () { this.set(this.min, this.max); };
  View.prototype.show = function (from, to) {
    var pad = Math.max((to - from) * 0.25, 1e5);
    this.set(from - pad, to + pad);
  };
  View.prototype.center = function (t) {
    var h = (this.v1 - this.v0) / 2;
    this.set(t - h, t + h);
  };
  View.prototype.redraw = function () {
    var self = this;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(function () { self.pending = false; self.drawNow(); });
  };
  View.prototype.drawNow = function () {
    var t0 = performance.now();
    var ctx = this.ctx;
    ctx.clearRect(0, 0, this.width, this.height);
    this.draw(ctx);
    this.lastDrawMs = performance.now() - t0;
    this.onchange();
  };
  // drawAxis draws time ticks and labels (ms) along the top, and grid lines
  // down to bottom.
  View.prototype.drawAxis = function (ctx, top, bottom) {
    var span = this.v1 - this.v0;
    var step = tickStep(span, this.plotWidth(), 110);
    var first = Math.ceil(this.v0 / step) * step;
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#555';
    ctx.strokeStyle = '#eee';
    ctx.lineWidth = 1;
    ctx.textAlign = 'center';
    var d = digits(step * 10);
    for (var t = first; t <= this.v1; t += step) {
      var x = Math.round(this.x(t)) + 0.5;
      if (x < this.gutter + 30) continue;
      ctx.beginPath(); ctx.moveTo(x, top + 14); ctx.lineTo(x, bottom); ctx.stroke();
      ctx.fillText((t / 1e6).toFixed(d) + ' ms', x, top + 11);
    }
    ctx.restore();
  };
  // Tooltip helper: show text (as text) next to the pointer.
  function tip(box, tipEl, e, text) {
    if (text === null) { tipEl.hidden = true; return; }
    tipEl.textContent = text;
    tipEl.hidden = false;
    var r = box.getBoundingClientRect();
    var x = e.clientX - r.left + 14, y = e.clientY - r.top + 14;
    var w = tipEl.offsetWidth;
    if (x + w > r.width - 4) x = Math.max(4, e.clientX - r.left - w - 14);
    tipEl.style.left = x + 'px';
    tipEl.style.top = y + 'px';
  }
  function lowerBound(arr, v, n) {
    var lo = 0, hi = n === undefined ? arr.length : n;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }
  // fitText draws s at (x, y) cut to width w with an ellipsis (never
  // squeezed).
  function fitText(ctx, s, x, y, w) {
    if (w < 8) return;
    if (ctx.measureText(s).width > w) {
      var lo = 0, hi = s.length;
      while (lo < hi) {
        var mid = (lo + hi + 1) >>> 1;
        if (ctx.measureText(s.slice(0, mid) + '…').width <= w) lo = mid; else hi = mid - 1;
      }
      if (lo === 0) return;
      s = s.slice(0, lo) + '…';
    }
    ctx.fillText(s, x, y);
  }
  function link(href, label) {
    var a = el('a', null, label);
    a.setAttribute('href', href);
    return a;
  }
  return {$: $, el: el, data: data, status: status, ready: ready, ms: ms, digits: digits, View: View,
    faultColor: faultColor, tip: tip, fitText: fitText, lowerBound: lowerBound, link: link};
})();
