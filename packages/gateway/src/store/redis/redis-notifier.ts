/**
 * Change notifications over Redis pub/sub: a control write on one instance tells every other to
 * reload its snapshot now instead of at its next poll. Delivery is best effort (pub/sub keeps no
 * history, and a publish while Redis is down is lost), which is why the periodic poll stays on
 * as the safety net. The subscriber is its own connection, resubscribed after every reconnect.
 */
import type { Redis } from "ioredis";
import type { ChangeNotifier, ChangeTopic } from "../shared-state.js";

const topics: readonly ChangeTopic[] = ["control"];

export class RedisNotifier implements ChangeNotifier {
  private readonly listeners: Array<(topic: ChangeTopic) => void> = [];
  private readonly channel: string;

  constructor(
    private readonly publisher: Redis,
    subscriber: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}changes`;
    subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const topic = topics.find((candidate) => candidate === message);
      if (topic === undefined) return;
      for (const listener of this.listeners) listener(topic);
    });
    // Queued until connected (the subscriber keeps an offline queue), and redone on reconnect.
    subscriber.subscribe(this.channel).catch(() => {});
    // A message published while this connection was away is lost: after a reconnect, reload as
    // if one had come. A SUBSCRIBE that never completed (its connection dropped before the reply)
    // is not one ioredis resubscribes: ask again on every ready (SUBSCRIBE is idempotent).
    let connectedBefore = false;
    subscriber.on("ready", () => {
      subscriber.subscribe(this.channel).catch(() => {});
      if (connectedBefore) for (const listener of this.listeners) listener("control");
      connectedBefore = true;
    });
  }

  async publish(topic: ChangeTopic): Promise<void> {
    await this.publisher.publish(this.channel, topic);
  }

  subscribe(listener: (topic: ChangeTopic) => void): void {
    this.listeners.push(listener);
  }
}
