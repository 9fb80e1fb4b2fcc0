/** A message as a transport hands it to the pipeline: the collector, Kafka, a file. */
export interface InboundMessage {
  /** The bytes as received; kept verbatim when the message is refused. */
  raw: Uint8Array;
  /** Already-parsed JSON (the collector parses a JSON array body once); skips decoding. */
  parsed?: { json: unknown; text: string };
  source: string;
  /** Position in the source, kept with a refused message: `<partition>:<offset>`, `request#<index>`. */
  sourceRef: string | null;
  receivedAtMs: number;
}
