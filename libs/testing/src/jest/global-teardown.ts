export default async function globalTeardown(): Promise<void> {
  await globalThis.__WXPAY_TEST_INFRA__?.stop();
}
