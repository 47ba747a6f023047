// A chat counter on @twurple/chat, the chat library Firebot uses: it joins
// the channels given as a comma list, counts every chat message (actions
// included) per viewer, and answers each line on stdin with
// {"messages": N, "viewers": M} on stdout. twurple connects to port 6667
// for plain IRC; HEARTH_PEER_HOST names the host (default 127.0.0.1).
import { ChatClient } from '@twurple/chat';
import { createInterface } from 'node:readline';

const channels = (process.argv[2] ?? '').split(',').filter(Boolean);
const chat = new ChatClient({
  channels,
  hostName: process.env.HEARTH_PEER_HOST ?? '127.0.0.1',
  webSocket: false,
  ssl: false,
  logger: { minLevel: 'critical' },
});

const perViewer = new Map();
let messages = 0;
function count(channel, user) {
  messages++;
  const key = channel + ' ' + user;
  perViewer.set(key, (perViewer.get(key) ?? 0) + 1);
}
chat.onMessage((channel, user) => count(channel, user));
chat.onAction((channel, user) => count(channel, user));
chat.connect();

const rl = createInterface({ input: process.stdin });
rl.on('line', () => {
  process.stdout.write(JSON.stringify({ messages, viewers: perViewer.size }) + '\n');
});
rl.on('close', () => {
  chat.quit();
  process.exit(0);
});
