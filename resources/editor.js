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
      var n = Number(v);
      if (v === '' || v === undefined || (Number.isInteger(n) && n >= min && n <= max)) return true;
      return RED._(ns + 'validation.range', { label: RED._(ns + 'label.' + field), min: min, max: max });
    };
  };
})();
