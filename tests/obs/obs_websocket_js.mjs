// obs-websocket-js 5.0.x, its JSON or its MessagePack build, runs one request and prints the
// outcome as one JSON line: {"ok": true, "reply": ...} or {"ok": false, "code": N, "message": ...}.
// usage: node obs_websocket_js.mjs json|msgpack URL PASSWORD REQUEST [DATA_JSON]
const [build, url, password, request, data] = process.argv.slice(2);
const { default: OBSWebSocket, OBSWebSocketError } = await import(
  build === 'json' ? 'obs-websocket-js/json' : 'obs-websocket-js/msgpack'
);
const obs = new OBSWebSocket();
const hello = await obs.connect(url, password, { rpcVersion: 1 });
try {
  const reply = await obs.call(request, data ? JSON.parse(data) : undefined);
  console.log(JSON.stringify({ ok: true, hello, reply: reply ?? null }));
} catch (error) {
  if (!(error instanceof OBSWebSocketError)) throw error;
  console.log(JSON.stringify({ ok: false, hello, code: error.code, message: error.message }));
}
await obs.disconnect();
