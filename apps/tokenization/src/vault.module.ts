import { Module, type DynamicModule } from '@nestjs/common';
import { TokenVaultController } from './api/token-vault.controller';
import { VaultRefusalFilter } from './api/vault-refusal.filter';
import { VaultCoreModule } from './vault-core.module';
import { VaultJobs } from './vault-jobs';
import { type VaultRunOptions } from './vault-options';

/** The vault as a service: its core, the TokenVault controller (gRPC) and its background jobs. */
@Module({})
export class VaultModule {
  static forRoot(options: VaultRunOptions): DynamicModule {
    return {
      module: VaultModule,
      imports: [VaultCoreModule.forRoot(options)],
      controllers: [TokenVaultController],
      providers: [VaultRefusalFilter, VaultJobs],
    };
  }
}
