export { parseEnv, parseEnvWithRules, ConfigError, env } from './config';
export { LOGGER, METRICS, HEALTH, DATA_SOURCE, KAFKA } from './tokens';
export { RuntimeModule, createRuntimeParts, type RuntimeParts } from './runtime.module';
export { DatabaseModule, type DatabaseModuleOptions } from './database.module';
export { MessagingModule, type MessagingModuleOptions } from './messaging.module';
export { bootstrapService, type ServiceBootstrap, type ServiceGrpcEdge, grpcPortOf } from './bootstrap';
export { CounterpartyConnections } from './counterparty-connections';
export { gatewayEnvOf, refuseDevSwitches, DevSwitches, type DevSwitch, type GatewayEnv } from './gateway-env';
export { AdminTokenGuard, ADMIN_TOKEN } from './admin-token.guard';
