import * as net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a server (moto) that injects network faults: after a number of
 * bytes in one direction it cuts the connection (FIN), resets it (RST) or stalls it (stops forwarding
 * without closing), for the next `times` connections that reach that point. Faults are per connection,
 * counted from the connection's first byte (keep-alive connections carry several requests).
 */
export interface Fault {
  /** 'up' = client → server (uploads), 'down' = server → client (downloads). */
  direction: 'up' | 'down';
  afterBytes: number;
  mode: 'cut' | 'reset' | 'stall';
  /** How many connections to hit (default 1; Infinity = until cleared). */
  times?: number;
}

export interface FaultProxy {
  port: number;
  endpoint: string;
  setFault(fault: Fault | undefined): void;
  /** Faults applied so far. */
  readonly injected: number;
  stop(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let fault: (Fault & { left: number }) | undefined;
  let injected = 0;
  const sockets = new Set<net.Socket>();
  const stalled: net.Socket[] = [];

  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const counts = { up: 0, down: 0 };
    let dead = false;
    const kill = () => {
      dead = true;
      client.destroy();
      upstream.destroy();
    };
    const forward = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') => {
      from.on('data', (chunk: Buffer) => {
        if (dead) return;
        const f = fault;
        if (f && f.left > 0 && f.direction === direction && counts[direction] + chunk.length > f.afterBytes) {
          // Forward up to the fault point, then fail.
          const keep = Math.max(0, f.afterBytes - counts[direction]);
          if (keep > 0) to.write(chunk.subarray(0, keep));
          counts[direction] += keep;
          f.left--;
          injected++;
          dead = true;
          if (f.mode === 'cut') {
            client.end();
            upstream.end();
            setTimeout(kill, 50);
          } else if (f.mode === 'reset') {
            client.resetAndDestroy();
            upstream.destroy();
          } else {
            // Stall: keep both sockets open and silent until the client gives up.
            from.pause();
            stalled.push(client, upstream);
          }
          return;
        }
        counts[direction] += chunk.length;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => !dead && from.resume());
        }
      });
    };
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
    client.on('end', () => !dead && upstream.end());
    upstream.on('end', () => !dead && client.end());
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', () => {
      sockets.delete(client);
      if (!dead) upstream.end();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (!dead) client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    setFault(f) {
      fault = f ? { ...f, left: f.times ?? 1 } : undefined;
    },
    get injected() {
      return injected;
    },
    async stop() {
      for (const s of [...sockets, ...stalled]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
