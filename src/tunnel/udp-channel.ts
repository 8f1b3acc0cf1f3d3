import type { Duplex } from 'node:stream';
import { Fifo } from '../smux/fifo.js';
import {
  encodeClose,
  encodeData,
  MAX_DATAGRAM_SIZE,
  UDP_MESSAGE_HEADER_SIZE,
  UdpFrameReader,
  type UdpMessageHandler,
} from './udp-frame.js';
import type { UdpStats } from './udp-stats.js';

/**
 * Bytes the stream may hold unsent before datagrams wait in their flow's queue. Small, because what
 * sits here is latency for every flow (64 KiB is 26 ms at 20 Mbit/s) and it is the only shared queue.
 */
export const CHANNEL_WRITE_BUDGET = 64 * 1024;
/** Bytes one flow may have waiting: two datagrams of the largest size always fit. */
export const FLOW_QUEUE_BYTES = 2 * (MAX_DATAGRAM_SIZE + UDP_MESSAGE_HEADER_SIZE);
/** Bytes all flows of one channel may have waiting, so many flows cannot add up without bound. */
export const CHANNEL_QUEUE_BYTES = 4 * 1024 * 1024;

export interface UdpChannelHandler extends UdpMessageHandler {
  /** The channel is gone: closed here (no reason), by the peer or its session, or malformed input. */
  closed(reason?: string): void;
}

/** The messages of one flow waiting for the stream. */
interface FlowQueue {
  readonly flow: number;
  readonly messages: Fifo<Buffer>;
  bytes: number;
}

/**
 * Both directions of one session's UDP channel. Sending: a datagram goes straight to the stream while
 * the stream has room; otherwise it waits in its flow's queue, and the queues are served round robin as
 * the stream drains, so a busy flow gets its turn like any other and never holds the rest back. When a
 * flow's queue (or the channel's total) is full, the new datagram is dropped and counted, as a router
 * would. Receiving: every message is handed to the handler as soon as it is parsed; nothing waits there.
 */
export class UdpChannel {
  private readonly queues = new Map<number, FlowQueue>();
  private readonly ready = new Fifo<FlowQueue>();
  private queuedBytes = 0;
  private readonly reader: UdpFrameReader;
  private done = false;

  constructor(
    private readonly stream: Duplex,
    private readonly handler: UdpChannelHandler,
    private readonly stats: UdpStats,
    /** Bytes that arrived with the negotiation and belong to the channel. */
    leftover?: Buffer,
  ) {
    this.reader = new UdpFrameReader(handler);
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('drain', () => this.pump());
    stream.on('end', () => this.finish('the peer closed the channel'));
    stream.on('error', (err) => this.finish(err.message));
    stream.on('close', () => this.finish('the session closed'));
    if (leftover !== undefined && leftover.length > 0) this.receive(leftover);
    stream.resume(); // the negotiation may have paused it
  }

  get isClosed(): boolean {
    return this.done;
  }

  /** Send one datagram of `flow`; false when it was dropped (counted) or the channel is closed. */
  send(flow: number, datagram: Buffer): boolean {
    if (this.done) return false;
    const size = UDP_MESSAGE_HEADER_SIZE + datagram.length;
    if (this.queuedBytes === 0 && this.hasRoom()) {
      this.stream.write(encodeData(flow, datagram));
      return true;
    }
    let queue = this.queues.get(flow);
    if (
      (queue !== undefined && queue.bytes + size > FLOW_QUEUE_BYTES) ||
      this.queuedBytes + size > CHANNEL_QUEUE_BYTES
    ) {
      this.stats.DropsQueueFull++;
      return false;
    }
    if (queue === undefined) {
      queue = { flow, messages: new Fifo<Buffer>(), bytes: 0 };
      this.queues.set(flow, queue);
      this.ready.push(queue);
    }
    queue.messages.push(encodeData(flow, datagram));
    queue.bytes += size;
    this.queuedBytes += size;
    return true;
  }

  /** Tell the peer this end forgot `flow`; datagrams of it still queued are dropped (counted). */
  closeFlow(flow: number): void {
    if (this.done) return;
    const queue = this.queues.get(flow);
    if (queue !== undefined) {
      this.stats.DropsQueueFull += queue.messages.length;
      this.queuedBytes -= queue.bytes;
      queue.messages.clear();
      queue.bytes = 0;
      this.queues.delete(flow); // pump() skips the emptied entry still in `ready`
    }
    this.stream.write(encodeClose(flow));
  }

  /** Close the channel and its stream; the handler hears closed() without a reason. */
  close(): void {
    this.finish();
  }

  private hasRoom(): boolean {
    return this.stream.writableLength < CHANNEL_WRITE_BUDGET;
  }

  private pump(): void {
    while (!this.done && this.ready.length > 0 && this.hasRoom()) {
      const queue = this.ready.shift()!;
      const message = queue.messages.shift();
      if (message === undefined) continue;
      queue.bytes -= message.length;
      this.queuedBytes -= message.length;
      this.stream.write(message);
      if (queue.messages.length > 0) this.ready.push(queue);
      else this.queues.delete(queue.flow);
    }
  }

  private receive(chunk: Buffer): void {
    if (this.done) return;
    if (!this.reader.feed(chunk)) this.finish(this.reader.error ?? 'malformed input');
  }

  private finish(reason?: string): void {
    if (this.done) return;
    this.done = true;
    this.queues.clear();
    this.ready.clear();
    this.queuedBytes = 0;
    this.stream.destroy();
    this.handler.closed(reason);
  }
}
