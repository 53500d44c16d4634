import { waitForLeaders } from './topic-leaders';

type Answer = Error | { leader: number }[];

/** An admin whose metadata answers are scripted, one per call; the last answer repeats. */
function scriptedAdmin(...answers: Answer[]) {
  let calls = 0;
  const fetchTopicMetadata = jest.fn(async ({ topics }: { topics?: string[] } = {}) => {
    const answer = answers[Math.min(calls++, answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return {
      topics: (topics ?? []).map((name) => ({
        name,
        partitions: answer.map((p, i) => ({
          ...p,
          partitionId: i,
          partitionErrorCode: 0,
          replicas: [],
          isr: [],
        })),
      })),
    };
  });
  return { fetchTopicMetadata };
}

function protocolError(type: string): Error {
  return Object.assign(new Error('This server does not host this topic-partition'), { type });
}

describe('waitForLeaders', () => {
  it('waits through a broker that does not know the new topic yet, then through partitions without a leader', async () => {
    const admin = scriptedAdmin(
      protocolError('UNKNOWN_TOPIC_OR_PARTITION'),
      protocolError('LEADER_NOT_AVAILABLE'),
      [{ leader: 1 }, { leader: -1 }],
      [{ leader: 1 }, { leader: 1 }],
    );
    await waitForLeaders(admin, ['t.a']);
    expect(admin.fetchTopicMetadata).toHaveBeenCalledTimes(4);
  });

  it('passes on any other error at once', async () => {
    const admin = scriptedAdmin(protocolError('TOPIC_AUTHORIZATION_FAILED'));
    await expect(waitForLeaders(admin, ['t.a'])).rejects.toThrow('does not host');
    expect(admin.fetchTopicMetadata).toHaveBeenCalledTimes(1);
  });

  it('gives up after its timeout, naming the topics and the last reason', async () => {
    const admin = scriptedAdmin([{ leader: -1 }]);
    await expect(waitForLeaders(admin, ['t.a', 't.b'], 250)).rejects.toThrow(
      'topics t.a, t.b have no leader after 250 ms: no leader yet for t.a, t.b',
    );
  });
});
