import {
  applyMac,
  ECHO_KEY_TAG,
  encodeKeyBlock,
  NetworkCode,
  ResponseCode,
  responseTo,
  securityControl,
  signOnResponseField,
  UnionPaySecurityError,
  verifySignOnRequest,
  type IsoMessage,
} from '@wxpay/unionpay';
import { type ConnectionState, type SwitchContext } from './switch-context';

const NOT_REGISTERED = '97';
const NOT_SUPPORTED = '40';

/**
 * 0820 network management (profile §8): SM2 sign-on (both sides sign), key request (the institution's current
 * PIN/MAC/data keys under the zone key, answer MACed with that MAC key), echo test, sign-off.
 */
export function handleNetwork(ctx: SwitchContext, conn: ConnectionState, request: IsoMessage): IsoMessage {
  const code = request.text(70);
  const acquirerId = request.text(32) ?? '';
  switch (code) {
    case NetworkCode.SIGN_ON:
      return signOn(ctx, conn, request, acquirerId);
    case NetworkCode.KEY_RESET: {
      if (conn.institution === undefined || conn.institution !== acquirerId) {
        return responseTo(request, { responseCode: ResponseCode.NOT_SIGNED_ON });
      }
      const keys = ctx.institutions.currentKeys(acquirerId);
      const response = responseTo(request, {
        responseCode: ResponseCode.APPROVED,
        additionalData: encodeKeyBlock(ctx.keys.zoneKey, keys),
      }).set(53, securityControl(keys.generation));
      ctx.logger.info(
        { connection: conn.id, institution: acquirerId, generation: keys.generation },
        'working keys sent',
      );
      return applyMac(response, keys.macKey);
    }
    case NetworkCode.ECHO:
      // The echo answer names the current MAC key (by KCV), so processes notice a rotation within a heartbeat.
      if (conn.institution === undefined)
        return responseTo(request, { responseCode: ResponseCode.NOT_SIGNED_ON });
      return responseTo(request, {
        responseCode: ResponseCode.APPROVED,
        additionalData: `${ECHO_KEY_TAG}${ctx.institutions.macKeyKcv(conn.institution)}`,
      });
    case NetworkCode.SIGN_OFF:
      conn.institution = undefined;
      return responseTo(request, { responseCode: ResponseCode.APPROVED });
    default:
      return responseTo(request, { responseCode: NOT_SUPPORTED });
  }
}

function signOn(
  ctx: SwitchContext,
  conn: ConnectionState,
  request: IsoMessage,
  acquirerId: string,
): IsoMessage {
  const publicKey = ctx.institutions.publicKeyOf(acquirerId);
  if (!publicKey) {
    ctx.logger.warn(
      { connection: conn.id, institution: acquirerId },
      'sign-on from an unregistered institution',
    );
    return responseTo(request, { responseCode: NOT_REGISTERED });
  }
  const signOnContext = {
    transmissionDateTime: request.text(7) ?? '',
    stan: request.text(11) ?? '',
    acquirerId,
  };
  let clientNonce: string;
  try {
    clientNonce = verifySignOnRequest(signOnContext, request.text(48), publicKey);
    ctx.signOns.admit(acquirerId, signOnContext.transmissionDateTime, clientNonce);
  } catch (e) {
    if (!(e instanceof UnionPaySecurityError)) throw e;
    ctx.logger.warn({ connection: conn.id, institution: acquirerId, reason: e.message }, 'sign-on refused');
    return responseTo(request, { responseCode: ResponseCode.SECURITY_FAILURE });
  }
  conn.institution = acquirerId;
  ctx.logger.info({ connection: conn.id, institution: acquirerId }, 'institution signed on');
  return responseTo(request, {
    responseCode: ResponseCode.APPROVED,
    additionalData: signOnResponseField(
      signOnContext,
      clientNonce,
      ctx.institutions.macKeyKcv(acquirerId),
      ctx.keys.switchKey,
      ctx.config.switchId,
    ),
  });
}
