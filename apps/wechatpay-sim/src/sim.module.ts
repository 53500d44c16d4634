import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AdminController } from './controllers/admin.controller';
import { CertificatesController } from './controllers/certificates.controller';
import { HealthController } from './controllers/health.controller';
import { PapayController } from './controllers/papay.controller';
import { PayerController } from './controllers/payer.controller';
import { RefundsController } from './controllers/refunds.controller';
import { TransactionsController } from './controllers/transactions.controller';

/** Controllers only; the services are built (and loaded from disk) before Nest starts and passed in as values. */
@Module({})
export class SimModule {
  static register(providers: Provider[]): DynamicModule {
    return {
      module: SimModule,
      controllers: [
        TransactionsController,
        RefundsController,
        PapayController,
        CertificatesController,
        PayerController,
        AdminController,
        HealthController,
      ],
      providers,
    };
  }
}
