/** A message as a transport hands it to the pipeline: the collector, Kafka, a file. */
export interface InboundMessage {
  /** The bytes as received; kept verbatim when the message is refused. */
  raw: Uint8Array;
  /** Already-parsed JSON from a trusted in-process producer (the simulator); skips decoding. Transports never set it. */
  parsed?: { json: unknown; text: string };
  source: string;
  /** Position in the source, kept with a refused message: `<partition>:<offset>`, `request#<index>`. */
  sourceRef: string | null;
  receivedAtMs: number;
  /** Where a Kafka message was read from, kept so that a dead-letter copy can name it and keep its key and headers. */
  kafka?: KafkaOrigin;
}

export interface KafkaOrigin {
  topic: string;
  partition: number;
  /** Offsets are 64-bit: kept as the decimal string Kafka clients use. */
  offset: string;
  key: Uint8Array | null;
  /** Every header value, in order (Kafka allows a name more than once). */
  headers: Readonly<Record<string, readonly Uint8Array[]>>;
  /** Producer or log-append time, epoch milliseconds as a decimal string. */
  timestamp: string;
}
