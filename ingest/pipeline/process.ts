import type { EventRow, RejectedRow } from '../../sql/rows.ts';
import { decode, DEFAULT_MAX_EVENT_BYTES } from './decode.ts';
import type { InboundMessage } from './message.ts';
import type { Rejection } from './outcome.ts';
import { toRow } from './toRow.ts';
import { validate } from './validate.ts';

export type Processed = AcceptedEvent | RejectedMessage;

/** A valid event: the row to store, and the message it came in (dead-lettered should the warehouse refuse the row). */
export interface AcceptedEvent {
  kind: 'event';
  row: EventRow;
  message: InboundMessage;
}

/** A refused message: the row the warehouse keeps, and the message itself for a dead-letter sink. */
export interface RejectedMessage {
  kind: 'rejected';
  row: RejectedRow;
  rejection: Rejection;
  message: InboundMessage;
}

/** Runs one message through decode → validate → toRow. Never throws for bad input. */
export function processMessage(msg: InboundMessage, maxEventBytes = DEFAULT_MAX_EVENT_BYTES): Processed {
  const decoded = msg.parsed ? { ok: true as const, value: msg.parsed } : decode(msg.raw, maxEventBytes);
  if (!decoded.ok) return rejected(msg, decoded.rejection);
  const valid = validate(decoded.value.json);
  if (!valid.ok) return rejected(msg, valid.rejection);
  return { kind: 'event', row: toRow(valid.value, decoded.value.text, msg.source, msg.receivedAtMs), message: msg };
}

/** The refused form of a message, with the row rejected_events keeps. */
export function rejected(msg: InboundMessage, rejection: Rejection): RejectedMessage {
  return {
    kind: 'rejected',
    rejection,
    message: msg,
    row: {
      received_at_ms: msg.receivedAtMs,
      source: msg.source,
      source_ref: msg.sourceRef,
      reason: rejection.reason,
      field: rejection.field,
      detail: rejection.detail,
      payload: msg.raw,
    },
  };
}
