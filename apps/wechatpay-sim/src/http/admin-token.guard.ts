import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { SimSettings } from '../sim-settings';
import { header, type SimRequest } from './sim-request';

/** /sim/admin is open on localhost by default; with WECHATPAY_SIM_ADMIN_TOKEN set it needs the bearer token. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(private readonly settings: SimSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.settings.config.adminToken;
    if (!token) return true;
    const given = Buffer.from(header(context.switchToHttp().getRequest<SimRequest>(), 'authorization') ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('admin token required');
    }
    return true;
  }
}
