import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { Sm2PublicKey } from '@wxpay/gm-crypto';
import { keyCheckValue } from '@wxpay/unionpay';
import { AdminTokenGuard, DATA_SOURCE } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import { type SimConfig } from '../config';
import { journalView, JOURNAL_COLUMNS, toJournalRow, type DbRow } from '../issuer/journal-rows';
import { type SimKeys } from '../keys/sim-keys';
import { SIM_CONFIG, SIM_KEYS } from '../sim-tokens';
import { InstitutionRegistry } from '../switch/institution-registry';
import { parseBody } from './validation';

const institutionSchema = z.object({
  code: z.string().regex(/^[0-9]{8,11}$/),
  sm2PublicKeyHex: z.string().regex(/^(04[0-9a-fA-F]{128}|0[23][0-9a-fA-F]{64})$/),
});

/** Switch-level views: public key material, registered institutions, the journal (by RRN or STAN). */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class SwitchController {
  constructor(
    @Inject(SIM_CONFIG) private readonly config: SimConfig,
    @Inject(SIM_KEYS) private readonly keys: SimKeys,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly institutions: InstitutionRegistry,
  ) {}

  /** Public material only: what an acquirer needs besides its own secrets. */
  @Get('keys')
  keyInfo(): Record<string, unknown> {
    return {
      switchId: this.config.switchId,
      switchPublicKey: this.keys.switchKey.publicKey.toHex(),
      zoneKeyKcv: keyCheckValue(this.keys.zoneKey),
      devAcquirerId: this.keys.devAcquirer?.id ?? null,
      acquirerBundlePath: this.keys.devAcquirer?.bundlePath ?? null,
    };
  }

  @Get('institutions')
  listInstitutions(): Record<string, unknown>[] {
    return this.institutions.list();
  }

  @Post('institutions')
  async register(@Body() body: unknown): Promise<Record<string, unknown>> {
    const b = parseBody(institutionSchema, body);
    let key: Sm2PublicKey;
    try {
      key = Sm2PublicKey.fromHex(b.sm2PublicKeyHex);
    } catch {
      throw new BadRequestException({
        code: 'INVALID_REQUEST',
        problems: ['sm2PublicKeyHex: not an SM2 curve point'],
      });
    }
    await this.institutions.register(b.code, key);
    return { code: b.code, registered: true };
  }

  /** Issues new working keys for an institution (the previous generation stays valid). */
  @Post('institutions/:code/rotate-keys')
  rotateKeys(@Param('code') code: string): Record<string, unknown> {
    if (!this.institutions.publicKeyOf(code)) throw new NotFoundException({ code: 'NO_SUCH_INSTITUTION' });
    const keys = this.institutions.rotateKeys(code);
    return { code, keyGeneration: keys.generation, macKeyKcv: this.institutions.macKeyKcv(code) };
  }

  /** Journal entries by RRN and/or STAN (at most 500, newest first). */
  @Get('journal')
  async journal(
    @Query('rrn') rrn?: string,
    @Query('stan') stan?: string,
  ): Promise<Record<string, unknown>[]> {
    const rows: DbRow[] = await this.ds.query(
      `SELECT ${JOURNAL_COLUMNS} FROM sim_journal
        WHERE ($1::text IS NULL OR rrn = $1) AND ($2::text IS NULL OR stan = $2)
        ORDER BY id DESC LIMIT 500`,
      [rrn ?? null, stan ?? null],
    );
    return rows.map((r) => journalView(toJournalRow(r)));
  }
}
