import type { Row } from './types.ts';

/** Colours as variants; titles put the category's label before them where a language needs one. */
export const COLOURS: readonly Row[] = [
  ['Black', 'Schwarz', 'noir', 'negro', 'ブラック', 'preto'],
  ['White', 'Weiß', 'blanc', 'blanco', 'ホワイト', 'branco'],
  ['Navy', 'Marineblau', 'bleu marine', 'azul marino', 'ネイビー', 'azul-marinho'],
  ['Grey', 'Grau', 'gris', 'gris', 'グレー', 'cinza'],
  ['Red', 'Rot', 'rouge', 'rojo', 'レッド', 'vermelho'],
  ['Green', 'Grün', 'vert', 'verde', 'グリーン', 'verde'],
  ['Beige', 'Beige', 'beige', 'beige', 'ベージュ', 'bege'],
  ['Blue', 'Blau', 'bleu', 'azul', 'ブルー', 'azul'],
];

export const COLOUR_LABEL: Row = ['', '', 'coloris', 'color', '', 'cor'];
export const NO_LABEL: Row = ['', '', '', '', '', ''];
