// The link to a control plane: frames (docs/PROTOCOL.md) over one TCP or TLS connection.
import net from "node:net";
import tls from "node:tls";

const JOIN_FRAME_LIMIT = 64 * 1024;
export const RESULT = "fastworker.link.result";

/** `tcp://host:port` or `tls://host:port` (`host:port` means tcp) → { host, port, tls }. */
export function parseAddress(address) {
  const match = /^(?:(tcp|tls):\/\/)?\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  if (!match || Number(match[3]) < 1 || Number(match[3]) > 65535) {
    throw new Error(`a control-plane address is tcp://host:port or tls://host:port, got ${address}`);
  }
  return { host: match[2], port: Number(match[3]), tls: match[1] === "tls" };
}

/**
 * One connection. `send` writes a frame in order; results queued with `result` within one turn of the event loop
 * share a frame when batching was agreed. `onFrame` gets each frame read; `closed` settles when the connection ends.
 */
export class Link {
  constructor(address, { ca, cert, key } = {}, onFrame) {
    const { host, port, tls: secure } = parseAddress(address);
    this.address = address;
    this.batch = false;
    this.maxFrame = JOIN_FRAME_LIMIT;
    this.isClosed = false;
    this.onWritten = () => {};
    this.pending = [];
    this.chunks = [];
    this.buffered = 0;
    this.socket = secure
      ? tls.connect({ host, port, ca, cert, key, servername: net.isIP(host) ? undefined : host })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once(secure ? "secureConnect" : "connect", resolve);
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.on("close", () => {
        this.isClosed = true;
        resolve();
      });
    });
    this.socket.on("error", (e) => {
      this.error = e;
    });
    this.socket.on("data", (data) => this.read(data, onFrame));
  }

  read(data, onFrame) {
    this.chunks.push(data);
    this.buffered += data.length;
    while (this.buffered >= 4) {
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [all];
      const length = all.readUInt32BE(0);
      if (length > Math.max(this.maxFrame, JOIN_FRAME_LIMIT) * 2) {
        this.close(new Error(`the control plane sent a frame of ${length} bytes, beyond any agreed limit`));
        return;
      }
      if (all.length < 4 + length) return;
      const frame = JSON.parse(all.subarray(4, 4 + length).toString("utf8"));
      const rest = all.subarray(4 + length);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      if (frame && typeof frame === "object") onFrame(frame);
      if (this.isClosed) return;
    }
  }

  /** Writes a `send` frame (or, with `address` null, `body` as a whole frame). */
  send(address, body, reply) {
    const frame = address === null ? body : { type: "send", address, body };
    if (reply) frame.replyAddress = reply;
    this.write([Buffer.from(JSON.stringify(frame), "utf8")], []);
  }

  /** Queues a result; `key` is reported to `onWritten` once it is on its way. */
  result(body, key) {
    this.pending.push({ encoded: JSON.stringify(body), key });
    if (this.pending.length === 1) setImmediate(() => this.flush());
  }

  flush() {
    const items = this.pending;
    this.pending = [];
    if (!items.length || this.isClosed) return;
    const frames = [];
    const keys = items.map((i) => i.key);
    if (!this.batch) {
      for (const i of items) frames.push(Buffer.from(`{"type":"send","address":"${RESULT}","body":${i.encoded}}`));
    } else {
      let group = [];
      let size = 0;
      const limit = this.maxFrame - 100;
      const close = () => {
        if (group.length === 1) frames.push(Buffer.from(`{"type":"send","address":"${RESULT}","body":${group[0]}}`));
        else if (group.length) {
          frames.push(Buffer.from(`{"type":"send","address":"${RESULT}","body":{"results":[${group.join(",")}]}}`));
        }
        group = [];
        size = 0;
      };
      for (const i of items) {
        const bytes = Buffer.byteLength(i.encoded) + 1;
        if (group.length && size + bytes > limit) close();
        group.push(i.encoded);
        size += bytes;
      }
      close();
    }
    this.write(frames, keys);
  }

  write(frames, keys) {
    if (this.isClosed) return;
    const parts = [];
    for (const f of frames) {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(f.length, 0);
      parts.push(header, f);
    }
    this.socket.write(Buffer.concat(parts), (error) => {
      if (!error && keys.length) this.onWritten(keys);
    });
  }

  close(error) {
    if (error) this.error = error;
    this.socket.destroy();
  }
}
