import { ConfigError } from '@wxpay/runtime';
import { loadRiskConfig } from '../src/config';

describe('risk configuration', () => {
  it('has working defaults (ports of the cluster plan, default rules, async decisions stored off the loop)', () => {
    const c = loadRiskConfig({});
    expect(c).toMatchObject({
      grpcAddress: '127.0.0.1:50053',
      httpPort: 8083,
      durability: 'async',
      decisionStore: 'thread',
      stream: true,
      tokenizationAddress: '127.0.0.1:50052',
    });
    // Who may administer is the caller table's (RiskEngineController's @Callers), no longer a setting.
    expect(c).not.toHaveProperty('adminCallers');
    expect(c.rulesFile).toMatch(/apps\/risk\/rules\/default\.json$/);
    expect(c.shadowRulesFile).toBeUndefined();
  });

  it('refuses an invalid configuration, naming every variable at once', () => {
    let error: unknown;
    try {
      loadRiskConfig({
        RISK_DECISION_DURABILITY: 'maybe',
        RISK_GRPC_PORT: '99999',
        RISK_DECISION_STORE: 'elsewhere',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('RISK_DECISION_DURABILITY');
    expect(problems).toContain('RISK_GRPC_PORT');
    expect(problems).toContain('RISK_DECISION_STORE');
    expect(loadRiskConfig({ RISK_DECISION_STORE: 'inline' }).decisionStore).toBe('inline');
    expect(() => loadRiskConfig({ RISK_FX_RATES: 'XYZ=1' })).toThrow(
      "RISK_FX_RATES: 'XYZ=1' is not CODE=rate",
    );
    expect(loadRiskConfig({ RISK_FX_RATES: 'USD=7.1' }).fx.USD).toBe(7.1);
  });
});
