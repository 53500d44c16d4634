import { topicPrefixFrom } from './topics';

describe('KAFKA_TOPIC_PREFIX', () => {
  it('is empty unless set, and taken as given when made of topic-name characters', () => {
    expect(topicPrefixFrom(undefined)).toBe('');
    expect(topicPrefixFrom('bank-a.prod_1.')).toBe('bank-a.prod_1.');
  });

  it('refuses what Kafka would refuse in a topic name, and an overlong prefix', () => {
    for (const bad of ['bank a.', 'bank/a.', '银行.', 'x'.repeat(101)]) {
      expect(() => topicPrefixFrom(bad)).toThrow('KAFKA_TOPIC_PREFIX: at most 100 of');
    }
  });
});
