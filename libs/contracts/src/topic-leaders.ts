import type { Admin } from 'kafkajs';

/** How long topics just created may take to show a leader for every partition. */
const LEADERS_TIMEOUT_MS = 30_000;
const LEADERS_POLL_MS = 100;

type MetadataAdmin = Pick<Admin, 'fetchTopicMetadata'>;

/** Resolves once every partition of `topics` has a leader; throws after `timeoutMs`. */
export async function waitForLeaders(
  admin: MetadataAdmin,
  topics: string[],
  timeoutMs = LEADERS_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = await leaderlessReason(admin, topics);
    if (reason === undefined) return;
    if (Date.now() >= deadline)
      throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms: ${reason}`);
    await new Promise((resolve) => setTimeout(resolve, LEADERS_POLL_MS));
  }
}

/** Why the topics are not ready yet, or undefined when every partition has a leader. */
async function leaderlessReason(admin: MetadataAdmin, topics: string[]): Promise<string | undefined> {
  try {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    const waiting = found.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
    return waiting.length === 0 ? undefined : `no leader yet for ${waiting.map((t) => t.name).join(', ')}`;
  } catch (e) {
    // kafkajs retries LEADER_NOT_AVAILABLE itself and, when its retries run out, wraps the error it gave up on
    const type =
      (e as { type?: string }).type ?? (e as { originalError?: { type?: string } }).originalError?.type;
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE') return type;
    throw e;
  }
}
