import 'reflect-metadata';
import {
  Controller,
  ForbiddenException,
  Get,
  Module,
  Param,
  Post,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createMetrics, type Metrics } from '@wxpay/observability';
import { instrumentHttpServer } from './http-metrics';

@Controller('orders')
class OrdersController {
  @Get(':id')
  get(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post(':id/close')
  @UseGuards({
    canActivate: () => {
      throw new ForbiddenException();
    },
  })
  close(): void {}
}

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const sample = (text: string, labels: string) =>
  new RegExp(`^wxpay_http_server_seconds_count\\{service="svc",${labels}\\} (\\d+)$`, 'm').exec(text)?.[1];

describe.each([
  ['express', () => NestFactory.create(OrdersModule, { logger: false })],
  ['fastify', () => NestFactory.create(OrdersModule, new FastifyAdapter(), { logger: false })],
])('HTTP request histogram on %s', (_name, create) => {
  let app: INestApplication;
  let metrics: Metrics;
  let base: string;

  beforeAll(async () => {
    metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    app = await create();
    instrumentHttpServer(app, metrics);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app.close());

  it('records the route template, the method and the status class, never the raw path', async () => {
    expect((await fetch(`${base}/orders/A1`)).status).toBe(200);
    expect((await fetch(`${base}/orders/B2`)).status).toBe(200);
    expect((await fetch(`${base}/orders/C3/close`, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${base}/nowhere/12345`)).status).toBe(404);

    const text = await metrics.registry.metrics();
    expect(sample(text, 'method="GET",route="/orders/:id",status_class="2xx"')).toBe('2');
    // A guard's refusal is counted under its route.
    expect(sample(text, 'method="POST",route="/orders/:id/close",status_class="4xx"')).toBe('1');
    expect(sample(text, 'method="GET",route="unmatched",status_class="4xx"')).toBe('1');
    expect(text).not.toContain('A1');
    expect(text).not.toContain('12345');
  });
});
