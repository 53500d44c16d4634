import { Controller, Get } from '@nestjs/common';
import { KeyMaterial } from '../keys/key-material';
import { NotificationDispatcher } from '../notifications/notification-dispatcher';

/** Liveness and readiness for the launcher and compose: the app only starts serving once keys and state load. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly keys: KeyMaterial,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): Record<string, unknown> {
    return {
      status: 'ready',
      keyMode: this.keys.keyMode,
      pendingNotifications: this.dispatcher.pendingCount(),
    };
  }
}
