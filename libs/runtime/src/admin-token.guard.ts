import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { type IncomingMessage } from 'http';
import { timingSafeEqual } from 'node:crypto';

/** The admin bearer token of a simulator (a string; empty when none is configured). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/**
 * A simulator's admin routes: with a token configured, each request must carry `Authorization: Bearer <token>`,
 * compared in constant time; without one they are open, which refuseDevSwitches allows in development only.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) return true;
    const header = context.switchToHttp().getRequest<IncomingMessage>().headers.authorization;
    const given = Buffer.from(typeof header === 'string' ? header : '');
    const expected = Buffer.from(`Bearer ${this.token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('admin token required');
    }
    return true;
  }
}
