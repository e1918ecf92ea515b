// Loaded by every test page after the client under test (pusher-js or ours).
// Scenarios run the same code against either; this file gives them a recorder
// and a factory with the test server's options.
(function () {
  var config = window.CONFIG;

  // Records values as JSON would carry them (undefined made visible).
  window.rec = [];
  window.note = function () {
    var args = Array.prototype.slice.call(arguments);
    rec.push(
      JSON.parse(
        JSON.stringify(args, function (key, value) {
          if (value === undefined) return '<undefined>';
          if (typeof value === 'string' && /^\d+\.\d+$/.test(value)) return '<socket_id>';
          return value;
        }),
      ),
    );
  };

  // Records one handler call: its name, how many arguments it got, and them.
  window.recorder = function (name) {
    return function () {
      note.apply(null, [name, arguments.length].concat(Array.prototype.slice.call(arguments)));
    };
  };

  window.until = function (predicate, ms) {
    var deadline = Date.now() + (ms || 8000);
    return new Promise(function (resolve, reject) {
      (function poll() {
        var ok = false;
        try {
          ok = predicate();
        } catch (e) {}
        if (ok) resolve();
        else if (Date.now() > deadline) reject(new Error('timed out waiting for ' + predicate));
        else setTimeout(poll, 10);
      })();
    });
  };

  window.connect = function (options, key) {
    var base = {
      cluster: 'mt1',
      wsHost: '127.0.0.1',
      wsPort: config.port,
      wssPort: config.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax' },
      userAuthentication: { endpoint: '/pusher/user-auth', transport: 'ajax' },
    };
    for (var k in options || {}) {
      if (options[k] === undefined) delete base[k];
      else base[k] = options[k];
    }
    return new Pusher(key || config.key, base);
  };

  // A WebSocket to the test server with no client library (speaking as pusher-js would).
  window.bareSocket = function () {
    return new WebSocket('ws://127.0.0.1:' + config.port + '/app/' + config.key + '?protocol=7&client=js&version=8.6.0');
  };

  window.ready = true;
})();
