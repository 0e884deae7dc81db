/** Where rejected input goes, with the reason: nothing is silently dropped. */
export interface DeadLetter {
  source: string;
  reason: string;
  errors: { field: string; rule: string; message: string }[];
  /** The raw input (a line, a message value), truncated to a bounded size. */
  raw: string;
  /** Line number or offset where the input came from, when known. */
  position?: number;
  at: number;
}

export interface DeadLetterSink {
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** Most recent letters, newest last (memory sink; others may return []). */
  recent(n: number): DeadLetter[];
  count(): number;
  close(): Promise<void>;
}
