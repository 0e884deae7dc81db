/**
 * CSV (RFC 4180) for event logs: quoted fields, doubled quotes, newlines inside quotes. The first
 * record is a header of snake_case field names; each later record becomes one event object.
 */

/** Fields whose cells hold JSON (objects or arrays). */
const JSON_FIELDS: ReadonlySet<string> = new Set(['titles', 'descriptions', 'prices', 'available_in', 'results']);
/** Fields whose cells are numbers. */
const NUMERIC_FIELDS: ReadonlySet<string> = new Set(['ts', 'quantity', 'price', 'rating']);

/** Whether `text` leaves a quoted field open (an odd number of quotes): the record goes on. */
export function inQuotes(text: string): boolean {
  let open = false;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) open = !open;
  return open;
}

/** Splits one complete record into cells; throws a plain Error naming the column on bad quoting. */
export function parseCsvRecord(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error(`column ${cells.length + 1}: quoted field is not closed`);
        cell += text.slice(i, q);
        if (text[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < text.length && text[i] !== ',') throw new Error(`column ${cells.length + 1}: unexpected text after a closing quote`);
    } else {
      const comma = text.indexOf(',', i);
      const stop = comma === -1 ? text.length : comma;
      cell = text.slice(i, stop);
      if (cell.includes('"')) throw new Error(`column ${cells.length + 1}: a quote inside an unquoted field`);
      i = stop;
    }
    cells.push(cell);
    if (i >= text.length) return cells;
    i++; // the comma
  }
}

/** Header names: trimmed, lower-cased snake_case; anything else, or a repeated name, is an error. */
export function parseCsvHeader(text: string): string[] {
  const names = parseCsvRecord(text.replace(/^\uFEFF/, '')).map((n) => n.trim().toLowerCase());
  const seen = new Set<string>();
  for (const [i, n] of names.entries()) {
    if (!/^[a-z][a-z0-9_]*$/.test(n)) throw new Error(`CSV header: column ${i + 1} ("${n}") is not a snake_case field name`);
    if (seen.has(n)) throw new Error(`CSV header: column "${n}" appears twice`);
    seen.add(n);
  }
  return names;
}

function cellValue(field: string, cell: string): unknown {
  if (NUMERIC_FIELDS.has(field)) {
    const n = Number(cell);
    return cell.trim() !== '' && Number.isFinite(n) ? n : cell;
  }
  if (JSON_FIELDS.has(field) && (cell.startsWith('{') || cell.startsWith('['))) {
    try {
      return JSON.parse(cell) as unknown;
    } catch {
      return cell; // validation then names the field
    }
  }
  return cell;
}

/** One event object from a record's cells; empty cells are absent fields. */
export function csvObject(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  if (cells.length !== header.length) throw new Error(`the record has ${cells.length} cells, the header ${header.length}`);
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < header.length; i++) {
    const cell = cells[i] as string;
    if (cell !== '') obj[header[i] as string] = cellValue(header[i] as string, cell);
  }
  return obj;
}
