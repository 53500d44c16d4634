import { topicReplication } from './topic-replication';

describe('topicReplication', () => {
  it('keeps 3 copies with 2 in sync on 3 or more brokers, 1 of 1 on a single broker', () => {
    expect(topicReplication(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(topicReplication(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(topicReplication(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicReplication(6)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('takes KAFKA_REPLICATION_FACTOR when set, up to the broker count', () => {
    expect(topicReplication(3, '1')).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(topicReplication(5, '5')).toEqual({ replicationFactor: 5, minInsyncReplicas: 2 });
    expect(topicReplication(3, '')).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    for (const bad of ['0', '4', '2.5', 'three']) {
      expect(() => topicReplication(3, bad)).toThrow('KAFKA_REPLICATION_FACTOR must be');
    }
    expect(() => topicReplication(0)).toThrow('at least one broker');
  });
});
