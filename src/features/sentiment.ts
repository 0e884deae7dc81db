import { foldText, tokenize } from '../core/index.ts';

/**
 * A small review-sentiment lexicon per language: a few dozen common positive and negative words and
 * the negators that flip the next words. Words are folded like the tokenizer folds them.
 * Japanese has no spaces, so its entries are matched as substrings of the folded text.
 */
interface Lexicon {
  positive: readonly string[];
  negative: readonly string[];
  negators: readonly string[];
}

const LEXICONS: Readonly<Record<string, Lexicon>> = {
  en: {
    positive: ['good', 'great', 'excellent', 'amazing', 'awesome', 'love', 'loved', 'perfect', 'nice', 'happy', 'best', 'fantastic', 'wonderful', 'comfortable', 'beautiful', 'recommend', 'recommended', 'quality', 'fast', 'solid', 'sturdy', 'worth', 'pleased', 'satisfied', 'superb', 'lovely', 'brilliant', 'fits'],
    negative: ['bad', 'poor', 'terrible', 'awful', 'horrible', 'worst', 'hate', 'broken', 'broke', 'disappointed', 'disappointing', 'useless', 'cheap', 'flimsy', 'returned', 'return', 'refund', 'waste', 'slow', 'defective', 'ugly', 'uncomfortable', 'fake', 'damaged', 'wrong', 'problem', 'junk', 'meh'],
    negators: ['not', 'no', "don't", 'dont', "didn't", 'didnt', "isn't", 'isnt', "wasn't", 'wasnt', 'never', 'hardly'],
  },
  de: {
    positive: ['gut', 'super', 'toll', 'klasse', 'prima', 'perfekt', 'hervorragend', 'ausgezeichnet', 'empfehlenswert', 'zufrieden', 'schoen', 'bequem', 'liebe', 'top', 'beste', 'wunderbar', 'qualitat', 'schnell', 'stabil', 'preiswert', 'genial', 'empfehle', 'passt', 'fantastisch', 'angenehm', 'begeistert'],
    negative: ['schlecht', 'schrecklich', 'furchtbar', 'mangelhaft', 'kaputt', 'defekt', 'enttauscht', 'enttauschend', 'billig', 'nutzlos', 'zuruckgeschickt', 'ruckgabe', 'langsam', 'hasslich', 'unbequem', 'falsch', 'problem', 'schade', 'leider', 'minderwertig', 'murks', 'schrott', 'beschadigt', 'gefalscht', 'unzufrieden', 'argerlich'],
    negators: ['nicht', 'kein', 'keine', 'keinen', 'nie', 'niemals', 'kaum'],
  },
  fr: {
    positive: ['bon', 'bonne', 'bien', 'excellent', 'excellente', 'parfait', 'parfaite', 'super', 'genial', 'magnifique', 'adore', 'aime', 'recommande', 'satisfait', 'satisfaite', 'confortable', 'beau', 'belle', 'rapide', 'qualite', 'top', 'merveilleux', 'solide', 'impeccable', 'ravi', 'ravie'],
    negative: ['mauvais', 'mauvaise', 'mal', 'nul', 'nulle', 'horrible', 'terrible', 'decu', 'decue', 'decevant', 'casse', 'cassee', 'defectueux', 'lent', 'cher', 'inutile', 'moche', 'retourne', 'rembourse', 'probleme', 'faux', 'abime', 'inconfortable', 'dommage', 'arnaque', 'pire'],
    negators: ['ne', 'pas', 'jamais', 'aucun', 'aucune', 'sans'],
  },
  es: {
    positive: ['bueno', 'buena', 'bien', 'excelente', 'perfecto', 'perfecta', 'genial', 'encanta', 'encanto', 'recomiendo', 'recomendable', 'satisfecho', 'satisfecha', 'comodo', 'comoda', 'bonito', 'bonita', 'rapido', 'calidad', 'fantastico', 'maravilloso', 'estupendo', 'solido', 'mejor', 'feliz', 'precioso'],
    negative: ['malo', 'mala', 'mal', 'terrible', 'horrible', 'peor', 'roto', 'rota', 'decepcionado', 'decepcionante', 'defectuoso', 'lento', 'caro', 'inutil', 'feo', 'fea', 'devuelto', 'devolucion', 'problema', 'falso', 'danado', 'incomodo', 'pesimo', 'estafa', 'basura', 'fatal'],
    negators: ['no', 'nunca', 'jamas', 'ni', 'sin'],
  },
  pt: {
    positive: ['bom', 'boa', 'otimo', 'otima', 'excelente', 'perfeito', 'perfeita', 'maravilhoso', 'adorei', 'amei', 'recomendo', 'satisfeito', 'satisfeita', 'confortavel', 'bonito', 'bonita', 'rapido', 'qualidade', 'lindo', 'linda', 'incrivel', 'gostei', 'top', 'resistente', 'feliz', 'melhor'],
    negative: ['ruim', 'pessimo', 'pessima', 'horrivel', 'terrivel', 'quebrado', 'quebrada', 'decepcionado', 'decepcionante', 'defeito', 'defeituoso', 'lento', 'caro', 'inutil', 'feio', 'feia', 'devolvi', 'devolucao', 'problema', 'falso', 'danificado', 'desconfortavel', 'pior', 'fraco', 'golpe', 'lixo'],
    negators: ['nao', 'nunca', 'jamais', 'nem', 'sem'],
  },
  ja: {
    positive: ['良い', 'よい', '良かった', 'よかった', '最高', '素晴らしい', 'すばらしい', '満足', '快適', 'おすすめ', 'オススメ', '気に入', '好き', '綺麗', 'きれい', '可愛い', 'かわいい', '丈夫', '便利', '早い', '安心', '嬉しい', 'うれしい', '素敵', '完璧', '高品質'],
    negative: ['悪い', 'わるい', '最悪', '残念', '不満', '壊れ', '故障', '不良', '返品', '返金', '遅い', '高い', '安っぽい', 'ひどい', '酷い', '使いにくい', '汚い', '偽物', '不便', '失敗', '期待外れ', 'がっかり', '微妙', '良くない', 'よくない', '二度と'],
    negators: [],
  },
};

const fold = (l: Lexicon): { positive: Set<string>; negative: Set<string>; negators: Set<string> } => ({
  positive: new Set(l.positive.map(foldText)),
  negative: new Set(l.negative.map(foldText)),
  negators: new Set(l.negators.map(foldText)),
});

/** Folded once per process; read-only afterwards. */
const FOLDED = Object.freeze(Object.fromEntries(Object.entries(LEXICONS).map(([k, v]) => [k, fold(v)])));

/** Counts `word` occurrences in `text` (no overlap). */
function occurrences(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + word.length)) n++;
  return n;
}

/** Lexicon score in [-1, 1] and how many words hit; 0 hits when the language has no lexicon. */
export function lexiconScore(text: string, locale: string): { score: number; hits: number } {
  const lang = locale.split('-')[0] ?? '';
  const lex = FOLDED[lang];
  if (lex === undefined || text.length === 0) return { score: 0, hits: 0 };
  let pos = 0;
  let neg = 0;
  if (lang === 'ja') {
    const folded = foldText(text);
    for (const w of lex.negative) neg += occurrences(folded, w);
    for (const w of lex.positive) pos += occurrences(folded, w);
  } else {
    const tokens = tokenize(text, locale);
    let flipFor = 0;
    for (const t of tokens) {
      const isPos = lex.positive.has(t);
      const isNeg = lex.negative.has(t);
      if (isPos || isNeg) {
        const positive = isPos !== flipFor > 0;
        if (positive) pos++;
        else neg++;
      }
      // A negator flips the sentiment of the next two words ("not very good", "nicht so gut").
      if (lex.negators.has(t) && !isNeg) flipFor = 3;
      if (flipFor > 0) flipFor--;
    }
  }
  const hits = pos + neg;
  return { score: hits === 0 ? 0 : (pos - neg) / hits, hits };
}

/**
 * Review sentiment in [-1, 1]: the rating mapped from 1..5 to -1..1, averaged with the lexicon
 * score of the text when the text has sentiment words.
 */
export function reviewSentiment(text: string, locale: string, rating: number): number {
  const fromRating = Math.max(-1, Math.min(1, (rating - 3) / 2));
  const { score, hits } = lexiconScore(text, locale);
  const s = hits === 0 ? fromRating : (fromRating + score) / 2;
  return Math.max(-1, Math.min(1, s));
}
