/**
 * The byte-stream contract between layers above KCP: a KCP session, the snappy framing that may wrap it,
 * and the smux session that runs on top. It is deliberately smaller than a Node Duplex: one sink object
 * instead of event listeners, and buffers handed over rather than copied.
 */

/** Receives what a ByteConnection delivers. Set once with `attach`; called synchronously by the connection. */
export interface ByteSink {
  /** In-order bytes from the peer. The sink owns `data` from now on and may keep it. */
  onData(data: Buffer): void;
  /** The send queue fell below its high-water mark after `write` returned false. */
  onDrain(): void;
  /** The connection is closed (locally, by the peer's layer, or because of `err`). Called once. */
  onClose(err?: Error): void;
}

/** A reliable, ordered, bidirectional byte stream. */
export interface ByteConnection {
  /** Install the receiver. Data that arrived before is delivered right after attaching. */
  attach(sink: ByteSink): void;
  /**
   * Queue `data` for sending; the connection owns it from now on (the caller must not modify it).
   * One call is one unit for layers that frame per write (snappy writes one chunk per call).
   * Returns false when the caller should wait for `onDrain` before writing more. Writes after close are dropped.
   */
  write(data: Buffer): boolean;
  /**
   * Optional: `head` then `body` as one `write`, offered by a connection that copies what it is given
   * before returning (the KCP session), so the caller keeps both and need not join them first. Layers
   * that frame per write (snappy) do not offer it.
   */
  writeParts?(head: Buffer, body: Buffer): boolean;
  /** Stop delivering data (the receiver is full); the peer is back-pressured through the layer's window. */
  pause(): void;
  /** Deliver data again after `pause`. */
  resume(): void;
  /** Close now, releasing everything held. Idempotent. */
  close(): void;
  readonly closed: boolean;
}
