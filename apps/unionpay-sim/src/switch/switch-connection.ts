import { type TLSSocket } from 'node:tls';
import {
  CUPS_HEADER_LENGTH,
  cupsHeader,
  decodeBody,
  decodeHeader,
  encodeFrame,
  FrameReader,
  FrameWriter,
  frameOf,
  isResponseMti,
  Mti,
  rejectCodeFor,
  ResponseCode,
  responseTo,
  UnionPayCodecError,
  type CupsHeader,
  type IsoMessage,
} from '@wxpay/unionpay';
import { handleFinancial } from './financial-handler';
import { handleNetwork } from './network-handler';
import { type ConnectionState, type SwitchContext } from './switch-context';

let counter = 0;

/**
 * One acquirer connection: frames in, each message handled independently (pipelining: answers go out as they
 * are ready, in any order), answers shaped by the fault plan.
 */
export class SwitchConnection implements ConnectionState {
  readonly id = ++counter;
  institution?: string;
  readonly #reader = new FrameReader();
  readonly #writer: FrameWriter;

  constructor(
    private readonly socket: TLSSocket,
    private readonly ctx: SwitchContext,
  ) {
    this.#writer = new FrameWriter(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => ctx.logger.debug({ connection: this.id, err: e.message }, 'connection error'));
  }

  close(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#reader.push(chunk);
    } catch (e) {
      this.ctx.logger.warn({ connection: this.id, err: (e as Error).message }, 'unframeable input; closing');
      this.close();
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
  }

  #onFrame(frame: Buffer): void {
    let header: CupsHeader;
    try {
      header = decodeHeader(frame);
    } catch (e) {
      this.ctx.logger.warn({ connection: this.id, err: (e as Error).message }, 'bad CUPS header; closing');
      this.close();
      return;
    }
    const reply = cupsHeader(header.sourceId, this.ctx.config.switchId);
    let request: IsoMessage;
    try {
      request = decodeBody(frame.subarray(CUPS_HEADER_LENGTH));
    } catch (e) {
      if (!(e instanceof UnionPayCodecError)) throw e;
      // Header field 10 says why; the body goes back as received so the sender can match it.
      const rejectCode = rejectCodeFor(e);
      this.ctx.logger.warn({ connection: this.id, rejectCode, err: e.message }, 'message rejected');
      this.#writer.write(frameOf({ ...reply, rejectCode }, frame.subarray(CUPS_HEADER_LENGTH)));
      return;
    }
    if (isResponseMti(request.mti)) return;
    if (request.mti === Mti.NETWORK_REQUEST) {
      let response: IsoMessage;
      try {
        response = handleNetwork(this.ctx, this, request);
      } catch (e) {
        this.ctx.logger.error(
          { connection: this.id, err: (e as Error).message },
          'network management failed',
        );
        response = responseTo(request, { responseCode: ResponseCode.SYSTEM_MALFUNCTION });
      }
      this.ctx.answers.inc({ mti: response.mti, response_code: response.text(39) ?? '' });
      this.#writer.write(encodeFrame(reply, response));
      return;
    }
    void this.#financial(request, reply);
  }

  async #financial(request: IsoMessage, reply: CupsHeader): Promise<void> {
    const { faults } = this.ctx;
    if (faults.dropBeforeApplying(request.mti)) {
      this.close();
      return;
    }
    let response: IsoMessage;
    try {
      response = await handleFinancial(this.ctx, this, request);
    } catch (e) {
      this.ctx.logger.error({ connection: this.id, err: (e as Error).message }, 'request handling failed');
      return;
    }
    this.ctx.answers.inc({ mti: response.mti, response_code: response.text(39) ?? '' });
    const plan = faults.answerPlan(request.mti);
    const mac = response.binary(128);
    if (plan.corruptMac && mac) response.set(128, Buffer.from(mac.map((b) => b ^ 0xff)));
    const frame = encodeFrame(reply, response);
    if (plan.dropConnection) {
      this.close();
      return;
    }
    if (!plan.send) return;
    const send = () => {
      for (let i = 0; i < plan.copies; i++) this.#writer.write(frame);
    };
    if (plan.delayMs > 0) setTimeout(send, plan.delayMs).unref();
    else send();
  }
}
