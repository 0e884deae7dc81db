/** An id with a score; every ranked list inside the engine is a list of these, best first. */
export interface Scored {
  id: string;
  score: number;
}
