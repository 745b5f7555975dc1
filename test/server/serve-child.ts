/**
 * A server in a child process, for the SIGKILL test: opens the workspace in
 * argv[2], listens on a free port and tells the parent its URL over IPC.
 */
import { Workspace } from '../../src/runtime/workspace.js';
import { startServer } from '../../src/server/index.js';

const ws = Workspace.open(process.argv[2]!);
const server = await startServer(ws, { host: '127.0.0.1', port: 0 });
process.send?.({ url: server.url });
