/*
 * Editor helpers shared by the node-red-contrib-totalgest nodes. Node-RED serves this folder at
 * resources/node-red-contrib-totalgest/ (also under httpAdminRoot); each node's .html loads this
 * file with a <script src> and Node-RED runs the node's own script only once it has loaded.
 */
(function () {
  'use strict';
  var api = (window.TotalGestEditor = window.TotalGestEditor || {});

  /*
   * A validator for a numeric setting: a whole number from min to max, or blank for the default.
   * `type` is the node type, which names its message catalogue. Two parameters: the editor then
   * shows the returned text, which names the field and the range (the runtime refuses, never clamps).
   */
  api.range = function (type, field, min, max) {
    var ns = 'node-red-contrib-totalgest/' + type + ':' + type + '.';
    return function (v, opt) {
      // As the runtime reads it (rangedNumber): blank, whitespace or null is the default; only a number or
      // numeric text counts (an imported true or [5] is not 1 or 5).
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return true;
      var n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
      if (Number.isInteger(n) && n >= min && n <= max) return true;
      return RED._(ns + 'validation.range', { label: RED._(ns + 'label.' + field), min: min, max: max });
    };
  };

  /*
   * A validator for a list setting, as the runtime reads it: comma-separated text, a number, or an array of
   * texts and numbers (a flow written by a script); missing is the default. Anything else is refused there.
   */
  api.list = function (type, field) {
    var ns = 'node-red-contrib-totalgest/' + type + ':' + type + '.';
    var item = function (i) {
      return typeof i === 'string' || (typeof i === 'number' && isFinite(i));
    };
    return function (v, opt) {
      if (v === undefined || v === null || item(v) || (Array.isArray(v) && v.every(item))) return true;
      return RED._(ns + 'validation.list', { label: RED._(ns + 'label.' + field) });
    };
  };
})();
