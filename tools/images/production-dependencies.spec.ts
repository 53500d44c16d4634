import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * What the app images install (`npm ci --omit=dev`, tools/images/inputs.ts) must not contain the packages the
 * project keeps only to check itself against: wechatpay-node-v3 (it does not verify the GCM tag) and sm-crypto
 * (it seeds SM2 randomness once, from RC4). Tests and benchmarks compare with them; production never loads them.
 */
const TEST_ONLY = ['wechatpay-node-v3', 'sm-crypto'];

function productionTree(): Set<string> {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Set(out.split('\n').map((p) => p.split('node_modules/').pop()!));
}

it('keeps the reference implementations out of the production dependencies', () => {
  const tree = productionTree();
  expect(tree.has('pg')).toBe(true); // the listing is the production tree
  expect(TEST_ONLY.filter((name) => tree.has(name))).toEqual([]);
});
