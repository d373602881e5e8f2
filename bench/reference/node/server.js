// The seed guide's API as a team would write it with Node.js and `ws`: devices
// on /ws register with their handshake, POST /api/device/{id}/config clamps and
// sends set_volume / set_brightness without waiting. Plus GET /bench/connected
// for the benchmark to see how many devices have shaken hands.
// Usage: node server.js PORT   (listens on 127.0.0.1 only)
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 8000);
const devices = new Map(); // device_id -> WebSocket
const wss = new WebSocketServer({ noServer: true });

wss.on('connection', (ws) => {
  let deviceId = null;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { return; }
    if (msg.cmd === 'device_handshake') {
      deviceId = msg.device_id;
      devices.set(deviceId, ws);
    }
  });
  ws.on('close', () => {
    if (deviceId && devices.get(deviceId) === ws) devices.delete(deviceId);
  });
  ws.on('error', () => {});
});

function send(id, cmd) {
  const ws = devices.get(id);
  if (!ws) return false;
  ws.send(JSON.stringify(cmd));
  return true;
}

const clamp = (v) => Math.min(100, Math.max(0, v));

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const m = url.pathname.match(/^\/api\/device\/([^/]+)\/config$/);
  if (m && req.method === 'POST') {
    const id = decodeURIComponent(m[1]);
    const volume = url.searchParams.get('volume');
    const brightness = url.searchParams.get('brightness');
    if (volume !== null) send(id, { cmd: 'set_volume', volume: clamp(parseInt(volume, 10)) });
    if (brightness !== null) {
      send(id, { cmd: 'set_brightness', brightness: clamp(parseInt(brightness, 10)) });
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', device_id: id }));
    return;
  }
  if (url.pathname === '/bench/connected') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ connected: devices.size }));
    return;
  }
  res.writeHead(404);
  res.end();
});

server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://localhost').pathname !== '/ws') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

server.listen(port, '127.0.0.1', 1024);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
